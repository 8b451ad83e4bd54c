using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Gcp;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Gcp;

/// <summary>
/// Resolves a gcpsm store's access token: a key JSON's JWT bearer grant, workload identity (a TokenRequest token for
/// the pool, exchanged at Google STS, then <c>generateAccessToken</c> for the service account's
/// <c>iam.gke.io/gcp-service-account</c> annotation), or the controller's metadata-server token. Tokens are cached per
/// principal on the GCP provider's <see cref="AccessTokenCache"/>.
/// </summary>
internal sealed class GcpStoreCredentials(
    StoreReferenceReader references,
    ServiceAccountAnnotationReader accounts,
    WorkloadIdentityResolver controllerPool,
    FederatedTokenClient federation,
    MetadataServerClient metadata,
    ServiceAccountKeyTokenSource keys,
    AccessTokenCache cache)
{
    private const long TokenSeconds = 600;
    private const string ControllerIdentity = "controller adc";

    public async Task<GcpCredential> ResolveAsync(StoreContext store, GcpStoreConfig config, CancellationToken cancellationToken)
    {
        switch (config.Auth)
        {
            case GcpKeyAuth key:
            {
                var json = Encoding.UTF8.GetString(await references.ReadAsync(store, key.Key, cancellationToken).ConfigureAwait(false));
                try
                {
                    return keys.Credential(json, cache);
                }
                catch (GoogleApiException ex)
                {
                    throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {key.Key.Field}: {ex.Message}") { Reason = "InvalidProviderConfig" };
                }
            }

            case GcpWorkloadIdentityAuth workload:
                return await WorkloadAsync(store, config, workload, cancellationToken).ConfigureAwait(false);

            default:
                return cache.Credential(ControllerIdentity, metadata.GetDefaultTokenAsync);
        }
    }

    private async Task<GcpCredential> WorkloadAsync(StoreContext store, GcpStoreConfig config, GcpWorkloadIdentityAuth workload, CancellationToken cancellationToken)
    {
        var account = workload.ServiceAccount;
        var ns = StoreReferenceReader.NamespaceFor(store, account.Namespace, account.Field);
        var annotations = await accounts.ReadAsync(store, account, cancellationToken).ConfigureAwait(false);
        annotations.TryGetValue(GcpCredentialResolver.ServiceAccountAnnotation, out var gsa);
        gsa = string.IsNullOrWhiteSpace(gsa) ? null : gsa.Trim();

        var description = $"serviceaccount {ns}/{account.Name}{(gsa is null ? string.Empty : " as " + gsa)}";
        return cache.Credential(description, async inner =>
        {
            var pool = await PoolAsync(config, workload, inner).ConfigureAwait(false);
            var token = await references.ServiceAccountTokenAsync(store, account with { Audiences = [pool.Pool!, .. account.Audiences] }, TokenSeconds, inner).ConfigureAwait(false);
            var federated = await federation.ExchangeAsync(token, pool.Audience, inner).ConfigureAwait(false);
            return gsa is null ? federated : await federation.GenerateAccessTokenAsync(gsa, [], federated, inner).ConfigureAwait(false);
        });
    }

    /// <summary>The pool from the block's cluster fields, else (as the operator does) the controller's cluster via the metadata server.</summary>
    private async Task<WorkloadIdentity> PoolAsync(GcpStoreConfig config, GcpWorkloadIdentityAuth workload, CancellationToken cancellationToken)
    {
        if (workload.ClusterLocation is { } location && workload.ClusterName is { } name)
        {
            return WorkloadIdentity.Gke(workload.ClusterProjectId ?? config.ProjectId, location, name);
        }

        var resolved = await controllerPool.ResolveAsync(cancellationToken).ConfigureAwait(false);
        return resolved.Pool is null
            ? throw new SecretStoreException(FailureKind.InvalidConfiguration, "workload identity needs a GKE pool; set auth.workloadIdentity.clusterLocation and clusterName")
            : resolved;
    }
}
