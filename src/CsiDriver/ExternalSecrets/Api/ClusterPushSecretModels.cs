namespace CsiDriver.ExternalSecrets.Api;

// The external-secrets.io/v1alpha1 ClusterPushSecret shapes (eso.md section 7, last paragraph).

/// <summary>A <c>ClusterPushSecret</c> (cluster-scoped, v1alpha1).</summary>
internal sealed class ClusterPushSecret() : EsResource<ClusterPushSecretSpec, ClusterPushSecretStatus>(new());

/// <summary><c>ClusterPushSecret.spec</c>.</summary>
/// <param name="PushSecretSpec">Copied as written into every PushSecret it creates.</param>
internal sealed record ClusterPushSecretSpec(
    JsonObject? PushSecretSpec = null, string? RefreshTime = null, string? PushSecretName = null, StampedMetadata? PushSecretMetadata = null,
    List<LabelSelector>? NamespaceSelectors = null, List<string>? Namespaces = null);

/// <summary><c>ClusterPushSecret.status</c>.</summary>
internal sealed record ClusterPushSecretStatus(
    List<NamespaceFailure>? FailedNamespaces = null, List<string>? ProvisionedNamespaces = null, string? PushSecretName = null,
    List<StatusCondition>? Conditions = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterPushSecret))]
[JsonSerializable(typeof(ClusterPushSecretStatus))]
internal sealed partial class ClusterPushSecretJsonContext : JsonSerializerContext
{
}
