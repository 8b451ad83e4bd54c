using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>
/// The <c>aws</c> store provider (eso.md section 4.5): Secrets Manager and Parameter Store, with <c>auth.secretRef</c>,
/// <c>auth.jwt.serviceAccountRef</c> (IRSA through TokenRequest and STS) or the controller's own identity, and a
/// <c>role</c> assumed on top. Built on the AWS provider's clients: the same endpoint overrides
/// (<c>AWS_ENDPOINT_URL*</c>), SigV4 signer, retry policy and backend-call metric as the CSI mode.
/// </summary>
internal sealed class AwsStoreProvider : IStoreProvider
{
    private readonly AwsEndpoints _endpoints;
    private readonly AwsStoreCredentials _credentials;
    private readonly SecretsManagerClient _secretsManager;
    private readonly SsmClient _ssm;
    private readonly StoreReferenceReader _references;
    private readonly ServiceAccountAnnotationReader _accounts;
    private readonly ILogger _logger;

    public AwsStoreProvider(
        AwsProviderOptions options,
        AwsControllerIdentity controller,
        HttpClient http,
        StoreReferenceReader references,
        ServiceAccountAnnotationReader accounts,
        TimeProvider time,
        Random random,
        Observability.DriverMetrics metrics,
        ILogger<AwsStoreProvider> logger)
    {
        _references = references;
        _accounts = accounts;
        _logger = logger;
        var retry = new CsiDriver.Http.RetryPolicy(options.Retry, time, random.NextDouble);
        _endpoints = new AwsEndpoints(options);
        var json = new AwsJsonClient(http, options, retry, time, logger, metrics);
        _secretsManager = new SecretsManagerClient(json);
        _ssm = new SsmClient(json);
        _credentials = new AwsStoreCredentials(
            references,
            accounts,
            new StsClient(http, options, retry, logger, metrics),
            new PodIdentityAgentClient(http, options, retry, logger, metrics),
            _endpoints,
            controller,
            options,
            time);
    }

    public string Key => "aws";

    public async Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken)
    {
        var config = AwsStoreConfig.Parse(store);
        var principal = await _credentials.ResolveAsync(store, config, cancellationToken).ConfigureAwait(false);
        IStoreClient client = config.Service == AwsStoreService.SecretsManager
            ? new SecretsManagerStoreClient(new AwsStoreAccess(store, config, _endpoints.SecretsManager(config.Region), principal), _secretsManager)
            : new ParameterStoreClient(new AwsStoreAccess(store, config, _endpoints.Ssm(config.Region), principal), _ssm);
        StoreLog.Connected(_logger, store.ToString(), client.Identity);
        return client;
    }

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => StoreValidation.ReportingAsync(async () =>
    {
        var config = AwsStoreConfig.Parse(store);
        if (!await _references.CheckAuthAsync(store, config.Auth, cancellationToken).ConfigureAwait(false))
        {
            return StoreValidation.Referent;
        }

        if (config.Auth is AwsJwtAuth jwt)
        {
            var annotations = await _accounts.ReadAsync(store, jwt.ServiceAccount, cancellationToken).ConfigureAwait(false);
            if (!annotations.ContainsKey(AwsStoreCredentials.RoleArnAnnotation))
            {
                return new StoreValidation(StoreValidationResult.Error, $"{store}: {jwt.ServiceAccount.Field}: the ServiceAccount has no {AwsStoreCredentials.RoleArnAnnotation} annotation");
            }
        }

        return StoreValidation.Valid;
    });
}
