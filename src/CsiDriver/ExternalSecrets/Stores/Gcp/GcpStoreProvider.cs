using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Gcp;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Gcp;

/// <summary>
/// The <c>gcpsm</c> store provider (eso.md section 4.7): Secret Manager (global or regional <c>location</c>) with a key
/// JSON, GKE workload identity, or the controller's own credentials. Built on the GCP provider's clients: the same
/// endpoint overrides (<c>GCP_*_ENDPOINT</c>), retries, token cache and backend-call metric as the CSI mode.
/// </summary>
internal sealed class GcpStoreProvider(
    GcpStoreCredentials credentials, SecretManagerClient secrets, StoreReferenceReader references, ServiceAccountAnnotationReader accounts, ILogger<GcpStoreProvider> logger) : IStoreProvider
{
    public string Key => "gcpsm";

    public async Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken)
    {
        var config = GcpStoreConfig.Parse(store);
        var principal = await credentials.ResolveAsync(store, config, cancellationToken).ConfigureAwait(false);
        var client = new GcpStoreClient(store, config, principal, secrets);
        StoreLog.Connected(logger, store.ToString(), client.Identity);
        return client;
    }

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => StoreValidation.ReportingAsync(() =>
    {
        var config = GcpStoreConfig.Parse(store);
        return references.ValidateAuthAsync(store, config.Auth, async () =>
        {
            if (config.Auth is GcpWorkloadIdentityAuth workload)
            {
                _ = await accounts.ReadAsync(store, workload.ServiceAccount, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);
    });
}
