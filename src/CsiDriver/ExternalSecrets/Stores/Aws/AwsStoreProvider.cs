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
internal sealed class AwsStoreProvider(
    AwsClients clients,
    AwsProviderOptions options,
    AwsControllerIdentity controller,
    StoreReferenceReader references,
    ServiceAccountAnnotationReader accounts,
    TimeProvider time,
    ILogger<AwsStoreProvider> logger) : IStoreProvider
{
    private readonly AwsStoreCredentials _credentials = new(references, accounts, clients.Sts, clients.PodIdentity, clients.Endpoints, controller, options, time);

    public string Key => "aws";

    public async Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken)
    {
        var config = AwsStoreConfig.Parse(store);
        var principal = await _credentials.ResolveAsync(store, config, cancellationToken).ConfigureAwait(false);
        IStoreClient client = config.Service == AwsStoreService.SecretsManager
            ? new SecretsManagerStoreClient(new AwsStoreAccess(store, config, clients.Endpoints.SecretsManager(config.Region), principal), clients.SecretsManager)
            : new ParameterStoreClient(new AwsStoreAccess(store, config, clients.Endpoints.Ssm(config.Region), principal), clients.Ssm);
        StoreLog.Connected(logger, store.ToString(), client.Identity);
        return client;
    }

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => StoreValidation.ReportingAsync(() =>
    {
        var config = AwsStoreConfig.Parse(store);
        return references.ValidateAuthAsync(store, config.Auth, async () =>
        {
            if (config.Auth is AwsJwtAuth jwt)
            {
                var annotations = await accounts.ReadAsync(store, jwt.ServiceAccount, cancellationToken).ConfigureAwait(false);
                if (!annotations.ContainsKey(AwsStoreCredentials.RoleArnAnnotation))
                {
                    throw new SecretStoreException(
                        FailureKind.InvalidConfiguration, $"{store}: {jwt.ServiceAccount.Field}: the ServiceAccount has no {AwsStoreCredentials.RoleArnAnnotation} annotation");
                }
            }
        }, cancellationToken);
    });
}
