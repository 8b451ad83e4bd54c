using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Gcp;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Gcp;

/// <summary>
/// The <c>gcpsm</c> store provider (eso.md section 4.7): Secret Manager (global or regional <c>location</c>) with a key
/// JSON, GKE workload identity, or the controller's own credentials. Built on the GCP provider's clients: the same
/// endpoint overrides (<c>GCP_*_ENDPOINT</c>), retries, token cache and backend-call metric as the CSI mode.
/// </summary>
internal sealed class GcpStoreProvider : IStoreProvider
{
    private readonly GcpStoreCredentials _credentials;
    private readonly SecretManagerClient _secrets;
    private readonly StoreReferenceReader _references;
    private readonly ServiceAccountAnnotationReader _accounts;
    private readonly ILogger _logger;

    public GcpStoreProvider(
        GcpProviderOptions options,
        HttpClient http,
        StoreReferenceReader references,
        ServiceAccountAnnotationReader accounts,
        TimeProvider time,
        Random random,
        Observability.DriverMetrics metrics,
        ILogger<GcpStoreProvider> logger)
    {
        _references = references;
        _accounts = accounts;
        _logger = logger;
        var caller = new GoogleApiCaller(http, options, time, random, logger, metrics);
        var metadata = new MetadataServerClient(caller, options, time);
        _secrets = new SecretManagerClient(caller, options);
        _credentials = new GcpStoreCredentials(
            references,
            accounts,
            new WorkloadIdentityResolver(options, metadata, logger),
            new TokenExchangeClient(caller, options, time),
            new IamCredentialsClient(caller, options, time),
            metadata,
            new ServiceAccountKeyTokenSource(caller, options, time),
            new AccessTokenCache(time, options.TokenRefreshMargin, logger));
    }

    public string Key => "gcpsm";

    public async Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken)
    {
        var config = GcpStoreConfig.Parse(store);
        var principal = await _credentials.ResolveAsync(store, config, cancellationToken).ConfigureAwait(false);
        var client = new GcpStoreClient(store, config, principal, _secrets);
        StoreLog.Connected(_logger, store.ToString(), client.Identity);
        return client;
    }

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => StoreValidation.ReportingAsync(async () =>
    {
        var config = GcpStoreConfig.Parse(store);
        if (!await _references.CheckAuthAsync(store, config.Auth, cancellationToken).ConfigureAwait(false))
        {
            return StoreValidation.Referent;
        }

        if (config.Auth is GcpWorkloadIdentityAuth workload)
        {
            _ = await _accounts.ReadAsync(store, workload.ServiceAccount, cancellationToken).ConfigureAwait(false);
        }

        return StoreValidation.Valid;
    });
}
