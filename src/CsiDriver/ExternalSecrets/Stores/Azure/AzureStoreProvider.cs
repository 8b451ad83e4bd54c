using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Azure;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Azure;

/// <summary>
/// The <c>azurekv</c> store provider (eso.md section 4.6): Key Vault secrets, keys and certificates with a service
/// principal's client secret or certificate (a signed client assertion), workload identity (a TokenRequest token for
/// <c>api://AzureADTokenExchange</c>, the client and tenant from the block, its <c>authSecretRef</c>, the service
/// account's annotations or the controller's <c>AZURE_TENANT_ID</c>) or a managed identity.
/// Built on the Azure provider's <see cref="KeyVaultClient"/> and <see cref="AzureTokenSource"/>: the same endpoint
/// overrides (<c>AZURE_KEYVAULT_ENDPOINT_OVERRIDE</c>, <c>AZURE_AUTHORITY_HOST</c>), token cache and throttling as the CSI mode.
/// </summary>
internal sealed class AzureStoreProvider(
    AzureProviderOptions options,
    AzureStoreEnvironment environment,
    StoreReferenceReader references,
    ServiceAccountAnnotationReader accounts,
    KeyVaultClient vault,
    ILogger<AzureStoreProvider> logger) : IStoreProvider
{
    public const string ClientIdAnnotation = "azure.workload.identity/client-id";
    public const string TenantIdAnnotation = "azure.workload.identity/tenant-id";
    private const long TokenSeconds = 3600;

    public string Key => "azurekv";

    public async Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken)
    {
        var config = AzureStoreConfig.Parse(store);
        var (tenant, credential) = config.Auth switch
        {
            AzureServicePrincipalAuth sp => (config.TenantId!, (AzureCredentialSpec)new ClientSecretCredential(
                await references.ReadTextAsync(store, sp.ClientId, cancellationToken).ConfigureAwait(false),
                await references.ReadTextAsync(store, sp.ClientSecret, cancellationToken).ConfigureAwait(false))),
            AzureClientCertificateAuth cc => (config.TenantId!, new ClientCertificateCredential(
                await references.ReadTextAsync(store, cc.ClientId, cancellationToken).ConfigureAwait(false),
                await ReadCertificateAsync(store, cc.ClientCertificate, cancellationToken).ConfigureAwait(false))),
            AzureWorkloadIdentityAuth wi => await WorkloadIdentityAsync(store, config, wi, cancellationToken).ConfigureAwait(false),
            AzureManagedIdentityAuth mi => (config.TenantId ?? "managed-identity", new ManagedIdentityCredential(mi.IdentityId)),
            _ => throw new InvalidOperationException("unknown azurekv auth"),
        };

        var mount = new AzureMountConfig(config.VaultName, tenant, config.Cloud, options.AuthorityHostOverride ?? config.Cloud.AuthorityHost, credential, []);
        var client = new AzureStoreClient(store, mount, options.KeyVaultEndpointOverride ?? mount.VaultUri, vault);
        StoreLog.Connected(logger, store.ToString(), client.Identity);
        return client;
    }

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => StoreValidation.ReportingAsync(() =>
    {
        var config = AzureStoreConfig.Parse(store);
        return references.ValidateAuthAsync(store, config.Auth, async () =>
        {
            if (config.Auth is AzureClientCertificateAuth cc)
            {
                _ = await ReadCertificateAsync(store, cc.ClientCertificate, cancellationToken).ConfigureAwait(false);
            }

            if (config.Auth is AzureWorkloadIdentityAuth wi)
            {
                _ = await accounts.ReadAsync(store, wi.ServiceAccount, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);
    });

    /// <summary>The PEM certificate and key under <c>authSecretRef.clientCertificate</c>; a bad one names the reference, never its text.</summary>
    private async Task<AzureClientCertificate> ReadCertificateAsync(StoreContext store, SecretKeySelector selector, CancellationToken cancellationToken)
    {
        var pem = await references.ReadTextAsync(store, selector, cancellationToken).ConfigureAwait(false);
        try
        {
            return AzureClientCertificate.Parse(pem);
        }
        catch (FormatException ex)
        {
            throw Invalid(store, $"{selector} is not a PEM certificate with its RSA private key: {ex.Message}");
        }
    }

    /// <summary>
    /// The client id from the service account's annotation or <c>authSecretRef.clientId</c> (not both, as the operator
    /// rules); the tenant from <c>authSecretRef.tenantId</c>, else <c>tenantId</c>, else the annotation, else the
    /// controller's <c>AZURE_TENANT_ID</c>.
    /// </summary>
    private async Task<(string Tenant, AzureCredentialSpec Credential)> WorkloadIdentityAsync(StoreContext store, AzureStoreConfig config, AzureWorkloadIdentityAuth wi, CancellationToken cancellationToken)
    {
        var account = wi.ServiceAccount;
        var ns = StoreReferenceReader.NamespaceFor(store, account.Namespace, account.Field);
        var annotations = await accounts.ReadAsync(store, account, cancellationToken).ConfigureAwait(false);
        annotations.TryGetValue(ClientIdAnnotation, out var annotatedClient);
        annotatedClient = string.IsNullOrWhiteSpace(annotatedClient) ? null : annotatedClient.Trim();
        if (annotatedClient is not null && wi.ClientId is not null)
        {
            throw Invalid(store, $"{account.Field}: set the client id in the ServiceAccount's {ClientIdAnnotation} annotation or in authSecretRef.clientId, not both");
        }

        var clientId = annotatedClient
            ?? (wi.ClientId is { } clientRef ? await references.ReadTextAsync(store, clientRef, cancellationToken).ConfigureAwait(false) : null)
            ?? throw Invalid(store, $"{account.Field}: ServiceAccount {ns}/{account.Name} has no {ClientIdAnnotation} annotation and authSecretRef.clientId is not set");
        annotations.TryGetValue(TenantIdAnnotation, out var annotatedTenant);
        var tenant = (wi.TenantId is { } tenantRef ? await references.ReadTextAsync(store, tenantRef, cancellationToken).ConfigureAwait(false) : null)
            ?? config.TenantId
            ?? (string.IsNullOrWhiteSpace(annotatedTenant) ? null : annotatedTenant.Trim())
            ?? environment.TenantId
            ?? throw Invalid(store, $"{account.Field}: no tenant: set tenantId, authSecretRef.tenantId or the ServiceAccount's {TenantIdAnnotation} annotation (or {AzureStoreEnvironment.TenantIdVariable} on the controller)");

        var token = await references.ServiceAccountTokenAsync(
            store, account with { Audiences = [AzureMountConfig.WorkloadIdentityAudience, .. account.Audiences] }, TokenSeconds, cancellationToken).ConfigureAwait(false);
        return (tenant, new WorkloadIdentityCredential(clientId, token, $"{ns}/{account.Name}"));
    }

    private static SecretStoreException Invalid(StoreContext store, string problem) =>
        new(FailureKind.InvalidConfiguration, $"{store}: {problem}") { Reason = "InvalidProviderConfig" };
}
