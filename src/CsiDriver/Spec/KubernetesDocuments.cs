using CsiDriver.Publishing;

namespace CsiDriver.Spec;

/// <summary>The JSON shape of a SecretProviderClass as the API server and manifests hold it.</summary>
internal sealed record SecretProviderClassDocument(
    string? ApiVersion = null, string? Kind = null, Kubernetes.KubeObjectMeta? Metadata = null, SecretProviderClassSpecDocument? Spec = null)
{
    public const string Group = "secrets-store.csi.x-k8s.io";

    public static bool IsSecretProviderClass(string? apiVersion, string? kind) =>
        kind == "SecretProviderClass" && apiVersion is $"{Group}/v1" or $"{Group}/v1alpha1";

    /// <summary>Checks what every provider relies on and builds the model.</summary>
    public SecretProviderClass ToModel(string source)
    {
        var name = Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"a SecretProviderClass in {source} has no metadata.name");
        }

        var ns = string.IsNullOrEmpty(Metadata!.Namespace) ? "default" : Metadata.Namespace;
        return new SecretProviderClass
        {
            Name = name,
            Namespace = ns,
            Uid = Metadata.Uid,
            ResourceVersion = Metadata.ResourceVersion,
            Annotations = Metadata.Annotations ?? SecretProviderClass.EmptyMap,
            Provider = Spec?.Provider ?? string.Empty,
            Parameters = Spec?.Parameters ?? SecretProviderClass.EmptyMap,
            SecretObjects = Spec?.SecretObjects?.Select(o => new SecretObjectSpec
            {
                SecretName = o.SecretName ?? string.Empty,
                Type = o.Type ?? string.Empty,
                Labels = o.Labels ?? SecretProviderClass.EmptyMap,
                Annotations = o.Annotations ?? SecretProviderClass.EmptyMap,
                Data = o.Data?.Select(d => new SecretObjectData(d.ObjectName ?? string.Empty, d.Key ?? string.Empty)).ToList() ?? [],
            }).ToList() ?? [],
            Rotation = ReadRotation(Spec?.Rotation, name, ns),
            Templates = Spec?.Templates?.Select(t => new TemplateSpec(t.Path ?? string.Empty, t.Template ?? string.Empty, t.FilePermission)).ToList() ?? [],
            Extract = Spec?.Extract?.Select(e => e.ObjectName ?? string.Empty).ToList() ?? [],
        };
    }

    private static RotationSpec ReadRotation(RotationDocument? rotation, string name, string ns)
    {
        if (rotation is null)
        {
            return RotationSpec.Default;
        }

        var policy = RotationPolicy.Periodic;
        if (!string.IsNullOrEmpty(rotation.Policy) && !Enum.TryParse(rotation.Policy, ignoreCase: false, out policy))
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {ns}/{name}: spec.rotation.policy '{rotation.Policy}' is not Periodic, CreatedOnce or OnChange");
        }

        return new RotationSpec(policy, Duration(rotation.Interval, "interval"), Duration(rotation.StaleIfError, "staleIfError"));

        TimeSpan? Duration(string? text, string field)
        {
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            try
            {
                return Hosting.GoDuration.Parse(text);
            }
            catch (FormatException)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {ns}/{name}: spec.rotation.{field} '{text}' is not a duration such as 10m");
            }
        }
    }
}

/// <summary>The <c>spec</c> of a SecretProviderClass.</summary>
internal sealed record SecretProviderClassSpecDocument(
    string? Provider = null,
    Dictionary<string, string>? Parameters = null,
    List<SecretObjectDocument>? SecretObjects = null,
    RotationDocument? Rotation = null,
    List<TemplateDocument>? Templates = null,
    List<ExtractDocument>? Extract = null);

/// <summary><c>spec.rotation</c>: policy and durations as Go duration strings.</summary>
internal sealed record RotationDocument(string? Policy = null, string? Interval = null, string? StaleIfError = null);

/// <summary>A <c>spec.templates</c> entry: a file rendered from several objects.</summary>
internal sealed record TemplateDocument(string? Path = null, string? Template = null, string? FilePermission = null);

/// <summary>A <c>spec.extract</c> entry: an object whose JSON keys become files.</summary>
internal sealed record ExtractDocument(string? ObjectName = null);

/// <summary>A <c>spec.secretObjects</c> entry: a Kubernetes Secret mirrored from mounted objects.</summary>
internal sealed record SecretObjectDocument(
    string? SecretName = null,
    string? Type = null,
    Dictionary<string, string>? Labels = null,
    Dictionary<string, string>? Annotations = null,
    List<SecretObjectDataDocument>? Data = null);

/// <summary>One key of a mirrored Secret and the object it comes from.</summary>
internal sealed record SecretObjectDataDocument(string? ObjectName = null, string? Key = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SecretProviderClassDocument))]
internal sealed partial class SpecJsonContext : JsonSerializerContext
{
}
