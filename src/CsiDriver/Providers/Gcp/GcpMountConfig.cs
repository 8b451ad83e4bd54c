using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>How the provider authenticates a volume's reads.</summary>
internal enum GcpAuthMode
{
    /// <summary>The pod's Kubernetes identity, federated (and impersonated when annotated).</summary>
    PodAdc,

    /// <summary>The driver's own identity (metadata server); only when the operator allows it.</summary>
    ProviderAdc,

    /// <summary>A service-account key from nodePublishSecretRef <c>key.json</c>.</summary>
    NodePublishSecret,
}

/// <summary>One validated <c>secrets</c> entry.</summary>
internal sealed record GcpSecretEntry(
    string ResourceName,
    string FileName,
    string Path,
    UnixFileMode? Mode,
    string? ExtractJsonKey,
    string? ExtractYamlKey)
{
    /// <summary>Upstream's error prefix: Go's <c>%s</c> of the <c>{resourceName fileName path}</c> struct.</summary>
    public string Label => $"{{{ResourceName} {FileName} {Path}}}";

    /// <summary>The output file: <c>path</c>, or <c>fileName</c> when path is empty.</summary>
    public string OutputPath => Path.Length > 0 ? Path : FileName;
}

/// <summary>The parsed <c>parameters</c> of a <c>gcp</c> SecretProviderClass.</summary>
internal sealed record GcpMountConfig(IReadOnlyList<GcpSecretEntry> Secrets, GcpAuthMode Auth, string? KeyJson)
{
    public const string KeyJsonSecret = "key.json";

    /// <summary>Reads <c>secrets</c> and <c>auth</c> as the upstream provider does; errors name the class.</summary>
    public static GcpMountConfig Parse(ProviderRequest request, GcpProviderOptions options)
    {
        var spc = request.Class.Description;
        var text = request.Attributes.TryGetValue("secrets", out var secrets) ? secrets : throw ProviderParameters.Invalid(spc, "missing required 'secrets' attribute");

        var entries = ParsedParameters.GetOrParse<IReadOnlyList<GcpSecretEntry>>(text, string.Empty, () =>
        {
            var raw = ProviderParameters.ParseYaml(
                text,
                GcpSecretsJsonContext.Default.ListRawSecret,
                where => ProviderParameters.Invalid(spc, $"failed to unmarshal secrets attribute: not a YAML list of secrets ({where})")) ?? [];
            return raw
                .Select(item => ToEntry(spc, item ?? throw ProviderParameters.Invalid(spc, "failed to unmarshal secrets attribute: the list has an empty entry")))
                .ToList();
        });
        var (auth, keyJson) = ParseAuth(request, options);
        return new GcpMountConfig(entries, auth, keyJson);
    }

    private static GcpSecretEntry ToEntry(string spc, RawSecret item)
    {
        var entry = new GcpSecretEntry(
            item.ResourceName ?? string.Empty,
            item.FileName ?? string.Empty,
            item.Path ?? string.Empty,
            null,
            ProviderParameters.NullIfEmpty(item.ExtractJsonKey),
            ProviderParameters.NullIfEmpty(item.ExtractYamlKey));
        var broken = entry.OutputPath.Length == 0 ? "neither 'path' nor 'fileName' is set"
            : entry.ExtractJsonKey is not null && entry.ExtractYamlKey is not null ? "both ExtractJSONKey and ExtractYAMLKey can't be simultaneously non empty strings"
            : null;
        return broken is null ? entry with { Mode = ParseMode(spc, entry, item.Mode) } : throw ProviderParameters.Invalid(spc, $"{entry.Label}: {broken}");
    }

    /// <summary>
    /// <c>mode</c> as Go yaml.v3 reads an int32: decimal (<c>256</c>), leading-zero or <c>0o</c> octal
    /// (<c>0400</c>), or <c>0x</c> hex; only permission bits are accepted.
    /// </summary>
    private static UnixFileMode? ParseMode(string spc, GcpSecretEntry entry, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var (text, fromBase) = value.Trim() switch
        {
            ['0', 'o' or 'O', .. var octal] => (octal, 8),
            ['0', 'x' or 'X', .. var hex] => (hex, 16),
            ['0', _, ..] leading => (leading[1..], 8),
            var plain => (plain, 10),
        };
        var digits = fromBase switch { 8 => "01234567", 16 => "0123456789abcdefABCDEF", _ => "0123456789" };
        var mode = text.Length is > 0 and <= 8 && text.All(digits.Contains) ? Convert.ToInt64(text, fromBase) : -1;
        if (mode is < 0 or > 0x1FF)
        {
            throw ProviderParameters.Invalid(spc, $"{entry.Label}: mode '{value}' is not a file mode (use octal such as 0440, or decimal up to 511)");
        }

        return (UnixFileMode)mode;
    }

    private static (GcpAuthMode Mode, string? KeyJson) ParseAuth(ProviderRequest request, GcpProviderOptions options)
    {
        var spc = request.Class.Description;
        request.Attributes.TryGetValue("auth", out var auth);
        var hasKey = request.Secrets.TryGetValue(KeyJsonSecret, out var keyJson);
        if (hasKey && !options.AllowNodePublishSecret)
        {
            throw new SecretStoreException(
                FailureKind.PermissionDenied,
                $"SecretProviderClass {spc}: the pod's nodePublishSecretRef has '{KeyJsonSecret}', but this driver does not accept node publish secrets (the operator enables them with ALLOW_NODE_PUBLISH_SECRET=true)");
        }

        return auth switch
        {
            null or "" => hasKey ? (GcpAuthMode.NodePublishSecret, keyJson) : (GcpAuthMode.PodAdc, null),
            "pod-adc" or "provider-adc" when hasKey => throw ProviderParameters.Invalid(spc, $"auth '{auth}' cannot be combined with a nodePublishSecretRef holding '{KeyJsonSecret}'"),
            "pod-adc" => (GcpAuthMode.PodAdc, null),
            "provider-adc" when !options.AllowProviderAdc => throw new SecretStoreException(
                FailureKind.PermissionDenied,
                $"SecretProviderClass {spc}: auth 'provider-adc' would read secrets as the driver's own identity, which this driver does not allow (the operator enables it with GCP_ALLOW_PROVIDER_ADC=true); use the default pod-adc"),
            "provider-adc" => (GcpAuthMode.ProviderAdc, null),
            _ => throw ProviderParameters.Invalid(spc, string.Create(CultureInfo.InvariantCulture, $"unknown auth configuration: \"{auth}\"")),
        };
    }

    /// <summary>One <c>secrets</c> entry as written; field names are case-sensitive as in yaml.v3.</summary>
    internal sealed record RawSecret(
        string? ResourceName = null,
        string? FileName = null,
        string? Path = null,
        string? Mode = null,
        [property: JsonPropertyName("extractJSONKey")] string? ExtractJsonKey = null,
        [property: JsonPropertyName("extractYAMLKey")] string? ExtractYamlKey = null);
}

/// <summary>Source-generated reader of the <c>secrets</c> parameter.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<GcpMountConfig.RawSecret?>))]
internal sealed partial class GcpSecretsJsonContext : JsonSerializerContext;
