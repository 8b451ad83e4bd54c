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
public sealed record OwnerReference(
    string ApiVersion = "", string Kind = "", string Name = "", string Uid = "", bool? Controller = null, bool? BlockOwnerDeletion = null);

/// <summary>A core/v1 Pod (metadata, node and service account only).</summary>
public sealed record KubePod(KubeObjectMeta? Metadata = null, KubePodSpec? Spec = null);

/// <summary>The parts of a pod spec the driver reads.</summary>
public sealed record KubePodSpec(string? NodeName = null, string? ServiceAccountName = null);

/// <summary>A core/v1 ServiceAccount (its annotations map it to cloud identities).</summary>
public sealed record KubeServiceAccount(KubeObjectMeta? Metadata = null);

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
public sealed record KubeConfigMap(KubeObjectMeta? Metadata = null, Dictionary<string, string>? Data = null, Dictionary<string, byte[]>? BinaryData = null)
{
    public override string ToString() => $"ConfigMap {Metadata?.Namespace}/{Metadata?.Name}";
}

/// <summary>A <c>secrets-store.csi.x-k8s.io/v1</c> SecretProviderClassPodStatus: what is mounted for one pod.</summary>
public sealed record KubeSecretProviderClassPodStatus(
    string? ApiVersion = KubeSecretProviderClassPodStatus.ApiVersionV1,
    string? Kind = "SecretProviderClassPodStatus",
    KubeObjectMeta? Metadata = null,
    SecretProviderClassPodStatusBody? Status = null)
{
    public const string ApiVersionV1 = "secrets-store.csi.x-k8s.io/v1";
}

/// <summary>The <c>status</c> of a SecretProviderClassPodStatus (the CRD has no spec).</summary>
/// <param name="NodeName">Not in upstream's schema; kept when our CRD is installed, pruned by upstream's.</param>
public sealed record SecretProviderClassPodStatusBody(
    string? PodName = null,
    string? SecretProviderClassName = null,
    bool Mounted = false,
    string? TargetPath = null,
    string? NodeName = null,
    List<SecretProviderClassObject>? Objects = null);

/// <summary>One mounted object's id and version.</summary>
public sealed record SecretProviderClassObject(string Id = "", string Version = "");

/// <summary>A core/v1 Event.</summary>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="FirstTimestamp">RFC 3339, seconds precision, as <c>metav1.Time</c> expects.</param>
public sealed record KubeEvent(
    string? ApiVersion = "v1",
    string? Kind = "Event",
    KubeObjectMeta? Metadata = null,
    KubeObjectReference? InvolvedObject = null,
    string? Reason = null,
    string? Message = null,
    string? Type = null,
    KubeEventSource? Source = null,
    string? FirstTimestamp = null,
    string? LastTimestamp = null,
    int Count = 0,
    string? ReportingComponent = null,
    string? ReportingInstance = null);

/// <summary>The object an event is about.</summary>
public sealed record KubeObjectReference(string? ApiVersion = null, string? Kind = null, string? Namespace = null, string? Name = null, string? Uid = null);

/// <summary>Who emitted an event.</summary>
public sealed record KubeEventSource(string? Component = null, string? Host = null);

/// <summary>The API's error body (<c>kind: Status</c>).</summary>
public sealed record KubeStatus(
    string? Kind = null, string? Status = null, string? Message = null, string? Reason = null, int Code = 0, KubeStatusDetails? Details = null);

/// <summary><c>Status.details</c>.</summary>
public sealed record KubeStatusDetails(string? Name = null, string? Kind = null, int? RetryAfterSeconds = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KubePod))]
[JsonSerializable(typeof(KubeServiceAccount))]
[JsonSerializable(typeof(KubeSecret))]
[JsonSerializable(typeof(KubeConfigMap))]
[JsonSerializable(typeof(KubeSecretProviderClassPodStatus))]
[JsonSerializable(typeof(KubeEvent))]
[JsonSerializable(typeof(KubeStatus))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(List<OwnerReference>))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext
{
}
