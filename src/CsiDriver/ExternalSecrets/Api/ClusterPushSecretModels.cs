namespace CsiDriver.ExternalSecrets.Api;

// The external-secrets.io/v1alpha1 ClusterPushSecret shapes (eso.md section 7, last paragraph).

/// <summary>A <c>ClusterPushSecret</c> (cluster-scoped, v1alpha1).</summary>
internal sealed class ClusterPushSecret
{
    public EsObjectMeta Metadata { get; set; } = new();

    public ClusterPushSecretSpec Spec { get; set; } = new();

    public ClusterPushSecretStatus? Status { get; set; }
}

/// <summary><c>ClusterPushSecret.spec</c>.</summary>
internal sealed class ClusterPushSecretSpec
{
    /// <summary>Copied as written into every PushSecret it creates.</summary>
    public JsonObject? PushSecretSpec { get; set; }

    public string? RefreshTime { get; set; }

    public string? PushSecretName { get; set; }

    public StampedMetadata? PushSecretMetadata { get; set; }

    public List<LabelSelector>? NamespaceSelectors { get; set; }

    public List<string>? Namespaces { get; set; }
}

/// <summary><c>ClusterPushSecret.status</c>.</summary>
internal sealed class ClusterPushSecretStatus
{
    public List<NamespaceFailure>? FailedNamespaces { get; set; }

    public List<string>? ProvisionedNamespaces { get; set; }

    public string? PushSecretName { get; set; }

    public List<StatusCondition>? Conditions { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterPushSecret))]
[JsonSerializable(typeof(ClusterPushSecretStatus))]
internal sealed partial class ClusterPushSecretJsonContext : JsonSerializerContext
{
}
