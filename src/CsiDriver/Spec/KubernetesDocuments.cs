using CsiDriver.Publishing;

namespace CsiDriver.Spec;

/// <summary>The JSON shape of a SecretProviderClass as the API server and manifests hold it.</summary>
internal sealed class SecretProviderClassDocument
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public Kubernetes.KubeObjectMeta? Metadata { get; set; }

    public SecretProviderClassSpecDocument? Spec { get; set; }

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

internal sealed class SecretProviderClassSpecDocument
{
    public string? Provider { get; set; }

    public Dictionary<string, string>? Parameters { get; set; }

    public List<SecretObjectDocument>? SecretObjects { get; set; }

    public RotationDocument? Rotation { get; set; }

    public List<TemplateDocument>? Templates { get; set; }

    public List<ExtractDocument>? Extract { get; set; }
}

internal sealed class RotationDocument
{
    public string? Policy { get; set; }

    public string? Interval { get; set; }

    public string? StaleIfError { get; set; }
}

internal sealed class TemplateDocument
{
    public string? Path { get; set; }

    public string? Template { get; set; }

    public string? FilePermission { get; set; }
}

internal sealed class ExtractDocument
{
    public string? ObjectName { get; set; }
}

internal sealed class SecretObjectDocument
{
    public string? SecretName { get; set; }

    public string? Type { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<SecretObjectDataDocument>? Data { get; set; }
}

internal sealed class SecretObjectDataDocument
{
    public string? ObjectName { get; set; }

    public string? Key { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SecretProviderClassDocument))]
internal sealed partial class SpecJsonContext : JsonSerializerContext
{
}
