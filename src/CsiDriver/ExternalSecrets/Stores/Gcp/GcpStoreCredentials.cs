using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Gcp;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Gcp;

/// <summary>Who a gcpsm store reads as (never a token), and that principal's current access token.</summary>
internal sealed record GcpStorePrincipal(string Description, Func<CancellationToken, Task<AccessToken>> Token)
{
    public override string ToString() => Description;
}

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
    TokenExchangeClient sts,
    IamCredentialsClient iam,
    MetadataServerClient metadata,
    ServiceAccountKeyTokenSource keys,
    AccessTokenCache cache)
{
    private const long TokenSeconds = 600;
    private const string ControllerIdentity = "controller adc";

    public async Task<GcpStorePrincipal> ResolveAsync(StoreContext store, GcpStoreConfig config, CancellationToken cancellationToken)
    {
        switch (config.Auth)
        {
            case GcpKeyAuth key:
            {
                var json = Encoding.UTF8.GetString(await references.ReadAsync(store, key.Key, cancellationToken).ConfigureAwait(false));
                ServiceAccountKeyFile file;
                try
                {
                    file = ServiceAccountKeyTokenSource.ParseKey(json);
                }
                catch (GoogleApiException ex)
                {
                    throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {key.Key.Field}: {ex.Message}") { Reason = "InvalidProviderConfig" };
                }

                var identity = ServiceAccountKeyTokenSource.Identity(file, json);
                return new GcpStorePrincipal(identity, ct => cache.GetOrCreateAsync(identity, c => keys.GetTokenAsync(file, c), ct));
            }

            case GcpWorkloadIdentityAuth workload:
                return await WorkloadAsync(store, config, workload, cancellationToken).ConfigureAwait(false);

            default:
                return new GcpStorePrincipal(ControllerIdentity, ct => cache.GetOrCreateAsync(ControllerIdentity, metadata.GetDefaultTokenAsync, ct));
        }
    }

    private async Task<GcpStorePrincipal> WorkloadAsync(StoreContext store, GcpStoreConfig config, GcpWorkloadIdentityAuth workload, CancellationToken cancellationToken)
    {
        var account = workload.ServiceAccount;
        var ns = StoreReferenceReader.NamespaceFor(store, account.Namespace, account.Field);
        var annotations = await accounts.ReadAsync(store, account, cancellationToken).ConfigureAwait(false);
        annotations.TryGetValue(GcpCredentialResolver.ServiceAccountAnnotation, out var gsa);
        gsa = string.IsNullOrWhiteSpace(gsa) ? null : gsa.Trim();

        var description = $"serviceaccount {ns}/{account.Name}{(gsa is null ? string.Empty : " as " + gsa)}";
        return new GcpStorePrincipal(description, ct => cache.GetOrCreateAsync(description, async inner =>
        {
            var pool = await PoolAsync(config, workload, inner).ConfigureAwait(false);
            var token = await references.ServiceAccountTokenAsync(store, account with { Audiences = [pool.Pool!, .. account.Audiences] }, TokenSeconds, inner).ConfigureAwait(false);
            var federated = await sts.ExchangeAsync(token, pool.Audience, inner).ConfigureAwait(false);
            return gsa is null ? federated : await iam.GenerateAccessTokenAsync(gsa, [], federated, inner).ConfigureAwait(false);
        }, ct));
    }

    /// <summary>The pool from the block's cluster fields, else (as the operator does) the controller's cluster via the metadata server.</summary>
    private async Task<WorkloadIdentity> PoolAsync(GcpStoreConfig config, GcpWorkloadIdentityAuth workload, CancellationToken cancellationToken)
    {
        if (workload.ClusterLocation is { } location && workload.ClusterName is { } name)
        {
            var project = workload.ClusterProjectId ?? config.ProjectId;
            var pool = $"{project}.svc.id.goog";
            var provider = $"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{name}";
            return new WorkloadIdentity(pool, provider, $"identitynamespace:{pool}:{provider}");
        }

        var resolved = await controllerPool.ResolveAsync(cancellationToken).ConfigureAwait(false);
        return resolved.Pool is null
            ? throw new SecretStoreException(FailureKind.InvalidConfiguration, "workload identity needs a GKE pool; set auth.workloadIdentity.clusterLocation and clusterName")
            : resolved;
    }
}
