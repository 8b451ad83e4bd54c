using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>A <c>coordination.k8s.io/v1</c> Lease: who leads, since when, and until when unless renewed.</summary>
public sealed record KubeLease(string? ApiVersion = "coordination.k8s.io/v1", string? Kind = "Lease", KubeObjectMeta? Metadata = null, KubeLeaseSpec? Spec = null);

/// <summary>The lease record; times are <c>metav1.MicroTime</c> (RFC 3339 with microseconds).</summary>
public sealed record KubeLeaseSpec(
    string? HolderIdentity = null, int? LeaseDurationSeconds = null, string? AcquireTime = null, string? RenewTime = null, int? LeaseTransitions = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KubeLease))]
internal sealed partial class LeaseJsonContext : JsonSerializerContext
{
}

/// <summary>Get, create and update of the leader-election Lease.</summary>
internal sealed class LeaseClient(KubernetesTransport transport, IBearerTokenSource credentials) : KubeObjectCalls(transport, credentials)
{
    private const string LeasePath = "/apis/coordination.k8s.io/v1";

    /// <summary>The lease, or null when it does not exist yet.</summary>
    [KubernetesApiCall("coordination.k8s.io", "leases", "get", KubernetesIdentity.Controller)]
    public Task<KubeLease?> GetAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetOrNullAsync(LeasePath, "leases", @namespace, name, LeaseJsonContext.Default.KubeLease, cancellationToken);

    [KubernetesApiCall("coordination.k8s.io", "leases", "create", KubernetesIdentity.Controller)]
    public Task<KubeLease> CreateAsync(KubeLease lease, CancellationToken cancellationToken)
    {
        var (ns, name) = (lease.Metadata?.Namespace ?? string.Empty, lease.Metadata?.Name ?? string.Empty);
        var call = CallText("create", "leases", ns, name);
        KubernetesNames.Check(name, "name", call);
        return SendAsync(HttpMethod.Post, Namespaced(LeasePath, ns, "leases", null, call), call, Serialize(lease), LeaseJsonContext.Default.KubeLease, cancellationToken);
    }

    /// <summary>An update guarded by the lease's resourceVersion: a 409 means another candidate wrote first.</summary>
    [KubernetesApiCall("coordination.k8s.io", "leases", "update", KubernetesIdentity.Controller)]
    public Task<KubeLease> UpdateAsync(KubeLease lease, CancellationToken cancellationToken)
    {
        var (ns, name) = (lease.Metadata?.Namespace ?? string.Empty, lease.Metadata?.Name ?? string.Empty);
        var call = CallText("update", "leases", ns, name);
        return SendAsync(HttpMethod.Put, Namespaced(LeasePath, ns, "leases", name, call), call, Serialize(lease), LeaseJsonContext.Default.KubeLease, cancellationToken);
    }

    private static byte[] Serialize(KubeLease lease) => JsonSerializer.SerializeToUtf8Bytes(lease, LeaseJsonContext.Default.KubeLease);
}
