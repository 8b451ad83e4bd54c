namespace CsiDriver.ExternalSecrets.Api;

/// <summary>A <c>ClusterExternalSecret</c> (eso.md section 6): one ExternalSecret spec stamped into many namespaces.</summary>
internal sealed class ClusterExternalSecret() : EsResource<ClusterExternalSecretSpec, ClusterExternalSecretStatus>(new());

/// <summary><c>ClusterExternalSecret.spec</c>.</summary>
/// <param name="ExternalSecretSpec">Copied verbatim into every ExternalSecret, so kept as written.</param>
/// <param name="NamespaceSelector">Deprecated; ORed with <c>namespaceSelectors</c>.</param>
/// <param name="Namespaces">Deprecated; names ORed with the selectors.</param>
internal sealed record ClusterExternalSecretSpec(
    JsonObject? ExternalSecretSpec = null, string? ExternalSecretName = null, StampedMetadata? ExternalSecretMetadata = null,
    LabelSelector? NamespaceSelector = null, List<LabelSelector>? NamespaceSelectors = null, List<string>? Namespaces = null,
    string? RefreshTime = null);

/// <summary>
/// <c>externalSecretMetadata</c> / <c>pushSecretMetadata</c>: the labels and annotations a cluster-scoped resource
/// stamps on each object it creates.
/// </summary>
internal sealed record StampedMetadata(Dictionary<string, string>? Labels = null, Dictionary<string, string>? Annotations = null);

/// <summary><c>ClusterExternalSecret.status</c>.</summary>
internal sealed record ClusterExternalSecretStatus(
    string? ExternalSecretName = null, List<string>? ProvisionedNamespaces = null, List<NamespaceFailure>? FailedNamespaces = null,
    List<ClusterExternalSecretCondition>? Conditions = null);

/// <summary>One <c>status.failedNamespaces[]</c> entry of a ClusterExternalSecret or ClusterPushSecret.</summary>
internal sealed record NamespaceFailure(string Namespace = "", string? Reason = null);

/// <summary>A CES condition: the operator writes no reason and no lastTransitionTime.</summary>
internal sealed record ClusterExternalSecretCondition(string Type = "", string Status = "", string? Message = null);

/// <summary>A list of Namespaces.</summary>
internal sealed record NamespaceList(List<NamespaceResource>? Items = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterExternalSecret))]
[JsonSerializable(typeof(ClusterExternalSecretStatus))]
[JsonSerializable(typeof(NamespaceList))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ClusterExternalSecretJsonContext : JsonSerializerContext
{
}
