namespace CsiDriver.ExternalSecrets.Api;

/// <summary>A <c>ClusterExternalSecret</c> (eso.md section 6): one ExternalSecret spec stamped into many namespaces.</summary>
internal sealed class ClusterExternalSecret
{
    public EsObjectMeta Metadata { get; set; } = new();

    public ClusterExternalSecretSpec Spec { get; set; } = new();

    public ClusterExternalSecretStatus? Status { get; set; }
}

/// <summary><c>ClusterExternalSecret.spec</c>.</summary>
internal sealed class ClusterExternalSecretSpec
{
    /// <summary>Copied verbatim into every ExternalSecret, so kept as written.</summary>
    public JsonObject? ExternalSecretSpec { get; set; }

    public string? ExternalSecretName { get; set; }

    public StampedMetadata? ExternalSecretMetadata { get; set; }

    /// <summary>Deprecated; ORed with <see cref="NamespaceSelectors"/>.</summary>
    public LabelSelector? NamespaceSelector { get; set; }

    public List<LabelSelector>? NamespaceSelectors { get; set; }

    /// <summary>Deprecated; names ORed with the selectors.</summary>
    public List<string>? Namespaces { get; set; }

    public string? RefreshTime { get; set; }
}

/// <summary>
/// <c>externalSecretMetadata</c> / <c>pushSecretMetadata</c>: the labels and annotations a cluster-scoped resource
/// stamps on each object it creates.
/// </summary>
internal sealed class StampedMetadata
{
    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary><c>ClusterExternalSecret.status</c>.</summary>
internal sealed record ClusterExternalSecretStatus
{
    public string? ExternalSecretName { get; init; }

    public List<string>? ProvisionedNamespaces { get; init; }

    public List<NamespaceFailure>? FailedNamespaces { get; init; }

    public List<ClusterExternalSecretCondition>? Conditions { get; init; }
}

/// <summary>One <c>status.failedNamespaces[]</c> entry of a ClusterExternalSecret or ClusterPushSecret.</summary>
internal sealed record NamespaceFailure
{
    public string Namespace { get; init; } = string.Empty;

    public string? Reason { get; init; }
}

/// <summary>A CES condition: the operator writes no reason and no lastTransitionTime.</summary>
internal sealed record ClusterExternalSecretCondition
{
    public string Type { get; init; } = string.Empty;

    public string Status { get; init; } = string.Empty;

    public string? Message { get; init; }
}

/// <summary>A list of Namespaces.</summary>
internal sealed class NamespaceList
{
    public List<NamespaceResource>? Items { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterExternalSecret))]
[JsonSerializable(typeof(ClusterExternalSecretStatus))]
[JsonSerializable(typeof(NamespaceList))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ClusterExternalSecretJsonContext : JsonSerializerContext
{
}
