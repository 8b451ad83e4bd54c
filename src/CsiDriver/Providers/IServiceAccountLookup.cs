using CsiDriver.Publishing;

namespace CsiDriver.Providers;

/// <summary>
/// Reads a pod's ServiceAccount annotations (e.g. <c>eks.amazonaws.com/role-arn</c>) for providers
/// that map a Kubernetes identity to a cloud identity.
/// </summary>
public interface IServiceAccountLookup
{
    Task<IReadOnlyDictionary<string, string>> GetAnnotationsAsync(string @namespace, string name, CancellationToken cancellationToken);
}

/// <summary>Used when the driver runs without a Kubernetes API (the local demo, <c>--spc-dir</c> only).</summary>
internal sealed class NoServiceAccountLookup : IServiceAccountLookup
{
    public Task<IReadOnlyDictionary<string, string>> GetAnnotationsAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        throw new SecretStoreException(
            FailureKind.InvalidConfiguration,
            $"cannot read ServiceAccount {@namespace}/{name}: the driver has no Kubernetes API connection (run in-cluster or pass --kubeconfig)");
}
