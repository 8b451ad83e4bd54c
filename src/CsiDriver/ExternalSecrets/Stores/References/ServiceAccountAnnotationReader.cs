using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.References;

/// <summary>
/// The annotations of a store's <c>serviceAccountRef</c> (IRSA role ARN, Azure workload identity client id, GCP service
/// account), read as the controller and kept briefly so a burst of ExternalSecrets reads each service account once.
/// </summary>
internal sealed class ServiceAccountAnnotationReader(StoreReferenceApi api, ReferenceReadCache reads)
{
    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(StoreContext store, ServiceAccountSelector selector, CancellationToken cancellationToken)
    {
        var ns = StoreReferenceReader.NamespaceFor(store, selector.Namespace, selector.Field);
        try
        {
            var account = await reads.GetAsync($"serviceaccounts/{ns}/{selector.Name}", ct => api.GetServiceAccountAsync(ns, selector.Name, ct), cancellationToken).ConfigureAwait(false);
            return account.Metadata?.Annotations ?? new Dictionary<string, string>();
        }
        catch (KubernetesApiException ex)
        {
            throw StoreReferenceReader.ApiFailure(store, selector.Field, $"ServiceAccount {ns}/{selector.Name}", "read", "get on serviceaccounts", "InvalidProviderConfig", ex);
        }
    }
}
