using CsiDriver.Providers;
using CsiDriver.Publishing;

namespace CsiDriver.Kubernetes;

/// <summary>Reads a pod's ServiceAccount annotations from the API (as the driver).</summary>
internal sealed class ApiServiceAccountLookup(KubernetesClient client) : IServiceAccountLookup
{
    public async Task<IReadOnlyDictionary<string, string>> GetAnnotationsAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            var account = await client.GetServiceAccountAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
            return account.Metadata?.Annotations ?? new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (KubernetesApiException ex)
        {
            var message = ex.Kind switch
            {
                KubernetesErrorKind.NotFound => $"ServiceAccount {@namespace}/{name} not found",
                KubernetesErrorKind.Forbidden or KubernetesErrorKind.Unauthorized => $"the driver may not read ServiceAccount {@namespace}/{name} ({KubernetesFailures.Cause(ex)}); check the driver's ClusterRole grants get on serviceaccounts",
                _ => $"cannot read ServiceAccount {@namespace}/{name}: {KubernetesFailures.Cause(ex)}",
            };
            throw new SecretStoreException(KubernetesFailures.KindFor(ex), message, ex);
        }
    }
}
