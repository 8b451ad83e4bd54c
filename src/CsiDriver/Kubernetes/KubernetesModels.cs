namespace CsiDriver.Kubernetes;

// The JSON shapes of the Kubernetes objects the driver reads and writes: only the fields it uses.
// Unknown fields are ignored on read, so newer servers stay compatible.

/// <summary>The parts of <c>ObjectMeta</c> the driver reads or writes.</summary>
public sealed class KubeObjectMeta
{
    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<OwnerReference>? OwnerReferences { get; set; }
}

/// <summary>An <c>ownerReferences</c> entry: lets the garbage collector delete what a pod owned.</summary>
public sealed record OwnerReference
{
    public string ApiVersion { get; init; } = string.Empty;

    public string Kind { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Uid { get; init; } = string.Empty;

    public bool? Controller { get; init; }

    public bool? BlockOwnerDeletion { get; init; }
}

/// <summary>A core/v1 Pod (metadata, node and service account only).</summary>
public sealed class KubePod
{
    public KubeObjectMeta? Metadata { get; set; }

    public KubePodSpec? Spec { get; set; }
}

/// <summary>The parts of a pod spec the driver reads.</summary>
public sealed class KubePodSpec
{
    public string? NodeName { get; set; }

    public string? ServiceAccountName { get; set; }
}

/// <summary>A core/v1 ServiceAccount (its annotations map it to cloud identities).</summary>
public sealed class KubeServiceAccount
{
    public KubeObjectMeta? Metadata { get; set; }
}

/// <summary>A core/v1 Secret. <see cref="ToString"/> never shows the data.</summary>
public sealed class KubeSecret
{
    public string? ApiVersion { get; set; } = "v1";

    public string? Kind { get; set; } = "Secret";

    public KubeObjectMeta? Metadata { get; set; }

    public string? Type { get; set; }

    /// <summary>Values; base64 on the wire, decoded by the serializer.</summary>
    public Dictionary<string, byte[]>? Data { get; set; }

    public override string ToString() => $"Secret {Metadata?.Namespace}/{Metadata?.Name} ({Data?.Count ?? 0} keys)";
}

/// <summary>A core/v1 ConfigMap. <see cref="ToString"/> never shows the data.</summary>
public sealed class KubeConfigMap
{
    public KubeObjectMeta? Metadata { get; set; }

    public Dictionary<string, string>? Data { get; set; }

    public Dictionary<string, byte[]>? BinaryData { get; set; }

    public override string ToString() => $"ConfigMap {Metadata?.Namespace}/{Metadata?.Name}";
}

/// <summary>A <c>secrets-store.csi.x-k8s.io/v1</c> SecretProviderClassPodStatus: what is mounted for one pod.</summary>
public sealed class KubeSecretProviderClassPodStatus
{
    public const string ApiVersionV1 = "secrets-store.csi.x-k8s.io/v1";

    public string? ApiVersion { get; set; } = ApiVersionV1;

    public string? Kind { get; set; } = "SecretProviderClassPodStatus";

    public KubeObjectMeta? Metadata { get; set; }

    public SecretProviderClassPodStatusBody? Status { get; set; }
}

/// <summary>The <c>status</c> of a SecretProviderClassPodStatus (the CRD has no spec).</summary>
public sealed class SecretProviderClassPodStatusBody
{
    public string? PodName { get; set; }

    public string? SecretProviderClassName { get; set; }

    public bool Mounted { get; set; }

    public string? TargetPath { get; set; }

    /// <summary>Not in upstream's schema; kept when our CRD is installed, pruned by upstream's.</summary>
    public string? NodeName { get; set; }

    public List<SecretProviderClassObject>? Objects { get; set; }
}

/// <summary>One mounted object's id and version.</summary>
public sealed record SecretProviderClassObject
{
    public string Id { get; init; } = string.Empty;

    public string Version { get; init; } = string.Empty;
}

/// <summary>A core/v1 Event.</summary>
public sealed class KubeEvent
{
    public string? ApiVersion { get; set; } = "v1";

    public string? Kind { get; set; } = "Event";

    public KubeObjectMeta? Metadata { get; set; }

    public KubeObjectReference? InvolvedObject { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }

    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    public string? Type { get; set; }

    public KubeEventSource? Source { get; set; }

    /// <summary>RFC 3339, seconds precision, as <c>metav1.Time</c> expects.</summary>
    public string? FirstTimestamp { get; set; }

    public string? LastTimestamp { get; set; }

    public int Count { get; set; }

    public string? ReportingComponent { get; set; }

    public string? ReportingInstance { get; set; }
}

/// <summary>The object an event is about.</summary>
public sealed class KubeObjectReference
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public string? Namespace { get; set; }

    public string? Name { get; set; }

    public string? Uid { get; set; }
}

/// <summary>Who emitted an event.</summary>
public sealed class KubeEventSource
{
    public string? Component { get; set; }

    public string? Host { get; set; }
}

/// <summary>The API's error body (<c>kind: Status</c>).</summary>
public sealed class KubeStatus
{
    public string? Kind { get; set; }

    public string? Status { get; set; }

    public string? Message { get; set; }

    public string? Reason { get; set; }

    public int Code { get; set; }

    public KubeStatusDetails? Details { get; set; }
}

/// <summary><c>Status.details</c>.</summary>
public sealed class KubeStatusDetails
{
    public string? Name { get; set; }

    public string? Kind { get; set; }

    public int? RetryAfterSeconds { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KubePod))]
[JsonSerializable(typeof(KubeServiceAccount))]
[JsonSerializable(typeof(KubeSecret))]
[JsonSerializable(typeof(KubeConfigMap))]
[JsonSerializable(typeof(KubeSecretProviderClassPodStatus))]
[JsonSerializable(typeof(KubeEvent))]
[JsonSerializable(typeof(KubeStatus))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext
{
}
