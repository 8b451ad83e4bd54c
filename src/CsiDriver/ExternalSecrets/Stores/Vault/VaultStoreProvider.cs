using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Vault;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>
/// The <c>vault</c> store provider (eso.md section 4.4): KV v1/v2 reads with <c>tokenSecretRef</c>, <c>appRole</c> or
/// <c>kubernetes</c> auth (a service account's token through the TokenRequest API, a JWT in a Secret, or the controller's
/// own), <c>namespace</c>, and <c>caBundle</c>/<c>caProvider</c>. Built on the Vault provider's client, HTTP clients
/// (one per TLS configuration) and token cache; every Vault call counts in the backend-call metric.
/// </summary>
internal sealed class VaultStoreProvider(VaultProviderOptions options, StoreReferenceReader references, TimeProvider time, Observability.DriverMetrics metrics, ILogger<VaultStoreProvider> logger) : IStoreProvider, IDisposable
{
    private readonly VaultStoreLogins _logins = new(time);
    private readonly VaultHttpClients _clients = new();

    public string Key => "vault";

    public async Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken)
    {
        var config = VaultStoreConfig.Parse(store);
        var ca = await references.ReadCaAsync(store, StoreBlock.Root(store), cancellationToken).ConfigureAwait(false);
        var tls = VaultTlsSettings.Default with { CaPem = ca?.Pem };
        var http = _clients.Get(tls, store.ToString());
        var client = new VaultClient(http, config.Server, config.Namespace, options, metrics);
        var loginClient = config.AuthNamespace == config.Namespace ? client : new VaultClient(http, config.Server, config.AuthNamespace, options, metrics);
        var connected = new VaultStoreClient(store, config, client, loginClient, _logins, references, ca?.Fingerprint ?? "system roots", logger);
        StoreLog.Connected(logger, store.ToString(), connected.Identity);
        return connected;
    }

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => StoreValidation.ReportingAsync(async () =>
    {
        var config = VaultStoreConfig.Parse(store);
        if (config.Auth.IsReferentIn(store))
        {
            return StoreValidation.Referent;
        }

        _ = await references.ReadCaAsync(store, StoreBlock.Root(store), cancellationToken).ConfigureAwait(false);
        await references.CheckAsync(store, config.Auth.Secrets, cancellationToken).ConfigureAwait(false);
        return StoreValidation.Valid;
    });

    public void Dispose() => _clients.Dispose();
}
