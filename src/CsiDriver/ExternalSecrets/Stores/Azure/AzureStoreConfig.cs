using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Azure;

namespace CsiDriver.ExternalSecrets.Stores.Azure;

/// <summary>How an azurekv store authenticates (<c>authType</c>, eso.md section 4.6).</summary>
internal abstract record AzureStoreAuth : StoreAuth;

/// <summary><c>ServicePrincipal</c>: a client id and client secret from Secrets.</summary>
internal sealed record AzureServicePrincipalAuth(SecretKeySelector ClientId, SecretKeySelector ClientSecret) : AzureStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => [ClientId, ClientSecret];
}

/// <summary><c>ServicePrincipal</c>: a client id and a PEM certificate with its private key from Secrets.</summary>
internal sealed record AzureClientCertificateAuth(SecretKeySelector ClientId, SecretKeySelector ClientCertificate) : AzureStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => [ClientId, ClientCertificate];
}

/// <summary><c>WorkloadIdentity</c>: the service account's token for <c>api://AzureADTokenExchange</c> as a client assertion.</summary>
internal sealed record AzureWorkloadIdentityAuth(ServiceAccountSelector ServiceAccount, SecretKeySelector? ClientId, SecretKeySelector? TenantId) : AzureStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => new[] { ClientId, TenantId }.OfType<SecretKeySelector>();

    public override IEnumerable<string?> ReferenceNamespaces => [ServiceAccount.Namespace, .. base.ReferenceNamespaces];
}

/// <summary><c>ManagedIdentity</c>: the controller's node or pod managed identity through IMDS (<c>identityId</c> picks one).</summary>
internal sealed record AzureManagedIdentityAuth(string? IdentityId) : AzureStoreAuth;

/// <summary>An azurekv store's block, parsed; holds no credential.</summary>
internal sealed partial record AzureStoreConfig(Uri VaultUrl, string VaultName, AzureCloud Cloud, string? TenantId, AzureStoreAuth Auth)
{
    public static AzureStoreConfig Parse(StoreContext store)
    {
        var block = StoreBlock.Root(store);
        var cloud = (block.String("environmentType") ?? "PublicCloud") switch
        {
            "PublicCloud" => AzureCloud.Public,
            "USGovernmentCloud" => AzureCloud.UsGovernment,
            "ChinaCloud" => AzureCloud.China,
            "GermanCloud" => AzureCloud.Germany,
            var other => throw block.Invalid($"{block.Path}.environmentType {other} is not supported in this mode yet (PublicCloud, USGovernmentCloud, ChinaCloud, GermanCloud)"),
        };

        var urlText = block.RequiredString("vaultUrl");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme != "https" || !string.IsNullOrEmpty(url.UserInfo) ||
            !url.Host.EndsWith("." + cloud.KeyVaultDnsSuffix, StringComparison.OrdinalIgnoreCase) || url.Host.Split('.')[0] is not { Length: > 0 } name || !VaultNamePattern().IsMatch(name))
        {
            throw block.Invalid($"{block.Path}.vaultUrl '{urlText}' is not a Key Vault URL such as https://my-vault.{cloud.KeyVaultDnsSuffix}");
        }

        var tenant = block.String("tenantId");
        if (tenant is not null && !TenantPattern().IsMatch(tenant))
        {
            throw block.Invalid($"{block.Path}.tenantId '{tenant}' is not an Entra ID tenant (a GUID or domain name)");
        }

        foreach (var unsupported in (string[])["customCloudConfig"])
        {
            if (block.Has(unsupported))
            {
                throw block.Invalid($"{block.Path}.{unsupported} is not supported in this mode yet");
            }
        }

        var secrets = block.Child("authSecretRef");
        AzureStoreAuth auth = (block.String("authType") ?? "ServicePrincipal") switch
        {
            "ServicePrincipal" => ServicePrincipal(block, secrets, tenant),
            "WorkloadIdentity" => new AzureWorkloadIdentityAuth(
                block.ServiceAccount("serviceAccountRef") ?? throw block.Invalid($"{block.Path}.serviceAccountRef is required for authType WorkloadIdentity"),
                secrets.SecretKey("clientId"),
                secrets.SecretKey("tenantId")),
            "ManagedIdentity" => new AzureManagedIdentityAuth(block.String("identityId")),
            var other => throw block.Invalid($"{block.Path}.authType must be ServicePrincipal, WorkloadIdentity or ManagedIdentity, not '{other}'"),
        };
        return new AzureStoreConfig(new Uri($"https://{url.Host}/"), name, cloud, tenant, auth);
    }

    /// <summary>A client id and exactly one of <c>clientSecret</c> and <c>clientCertificate</c>, as the operator requires.</summary>
    private static AzureStoreAuth ServicePrincipal(StoreBlock block, StoreBlock secrets, string? tenant)
    {
        if (tenant is null)
        {
            throw block.Invalid($"{block.Path}.tenantId is required for authType ServicePrincipal");
        }

        var clientId = secrets.SecretKey("clientId") ?? throw block.Invalid($"{secrets.Path}.clientId is required for authType ServicePrincipal");
        return (secrets.SecretKey("clientSecret"), secrets.SecretKey("clientCertificate")) switch
        {
            ({ } secret, null) => new AzureServicePrincipalAuth(clientId, secret),
            (null, { } certificate) => new AzureClientCertificateAuth(clientId, certificate),
            (null, null) => throw block.Invalid($"{secrets.Path}: authType ServicePrincipal needs clientSecret or clientCertificate"),
            _ => throw block.Invalid($"{secrets.Path}: set exactly one of clientSecret and clientCertificate, not both"),
        };
    }

    [GeneratedRegex("^[A-Za-z0-9-]{3,24}$", RegexOptions.CultureInvariant)]
    private static partial Regex VaultNamePattern();

    [GeneratedRegex(@"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})$", RegexOptions.CultureInvariant)]
    private static partial Regex TenantPattern();
}
