using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.ExternalSecrets.Stores.Azure;
using CsiDriver.Providers.Aws;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Azure;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Azure;

/// <summary>
/// The <c>azurekv</c> store as <c>AddExternalSecretStores</c> wires it, against the loopback Entra ID, IMDS and Key Vault
/// (HTTPS, bearer challenge) and a loopback API server that issues service-account tokens.
/// </summary>
internal sealed class AzureStoreTestContext(CloudStoreHarness harness, FakeAzure azure) : IAsyncDisposable
{
    public const string Ns = CloudStoreHarness.Ns;
    public const string Client = "11111111-2222-3333-4444-555555555555";
    public const string ClientSecret = "sp-secret-Zx8Q~never-print-me";
    public const string ControllerUser = CloudStoreHarness.ControllerUser;
    private const string ControllerToken = "azure-store-controller-token-0123456789";

    public FakeKubeApiServer Kube => harness.Kube;

    public FakeAzure Azure { get; } = azure;

    public CapturingLoggerProvider Logs => harness.Logs;

    public IStoreProvider Stores => harness.Store("azurekv");

    /// <param name="environment">The controller's <c>AZURE_TENANT_ID</c>; none when null, whatever this machine's is.</param>
    public static async Task<AzureStoreTestContext> StartAsync(AzureStoreEnvironment? environment = null)
    {
        var azure = await FakeAzure.StartAsync();
        var options = AzureTestKit.Options(azure);
        var fastRetry = options.Retry with { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxRetryAfter = TimeSpan.FromMilliseconds(5) };
        var harness = await CloudStoreHarness.StartAsync(ControllerToken, (services, _) => services
            .AddSingleton(new AwsProviderOptions())
            .AddSingleton(AwsControllerIdentity.None)
            .AddSingleton(options with { RequestTimeout = TimeSpan.FromSeconds(5), Retry = fastRetry })
            .AddSingleton(environment ?? new AzureStoreEnvironment(null)));
        return new AzureStoreTestContext(harness, azure);
    }

    public void PutCredentials(string secret = ClientSecret) =>
        Kube.Put("", "secrets", Ns, FakeKubeApiServer.Secret("azure-sp", new Dictionary<string, string> { ["client-id"] = Client, ["client-secret"] = secret }));

    /// <summary>The Secret <c>azure-cert</c> with the client id and <paramref name="pem"/> (certificate and key).</summary>
    public void PutCertificateCredentials(string pem) =>
        Kube.Put("", "secrets", Ns, CertificateSecret(pem));

    public static JsonObject CertificateSecret(string pem) =>
        FakeKubeApiServer.Secret("azure-cert", new Dictionary<string, string> { ["client-id"] = Client, ["tls.pem"] = pem });

    public void PutServiceAccount(string name, IDictionary<string, string>? annotations = null) =>
        harness.PutServiceAccount(name, annotations);

    public static JsonObject ServicePrincipalBlock() => new()
    {
        ["vaultUrl"] = FakeAzure.VaultBase,
        ["tenantId"] = FakeAzure.Tenant,
        ["authSecretRef"] = new JsonObject
        {
            ["clientId"] = new JsonObject { ["name"] = "azure-sp", ["key"] = "client-id" },
            ["clientSecret"] = new JsonObject { ["name"] = "azure-sp", ["key"] = "client-secret" },
        },
    };

    /// <summary>ServicePrincipal with <c>authSecretRef.clientCertificate</c> (the <c>azure-cert</c> Secret).</summary>
    public static JsonObject CertificateBlock() => new()
    {
        ["vaultUrl"] = FakeAzure.VaultBase,
        ["tenantId"] = FakeAzure.Tenant,
        ["authType"] = "ServicePrincipal",
        ["authSecretRef"] = new JsonObject
        {
            ["clientId"] = new JsonObject { ["name"] = "azure-cert", ["key"] = "client-id" },
            ["clientCertificate"] = new JsonObject { ["name"] = "azure-cert", ["key"] = "tls.pem" },
        },
    };

    public static JsonObject WorkloadBlock(string serviceAccount, bool withTenant = true)
    {
        var block = new JsonObject
        {
            ["vaultUrl"] = FakeAzure.VaultBase,
            ["authType"] = "WorkloadIdentity",
            ["serviceAccountRef"] = new JsonObject { ["name"] = serviceAccount },
        };
        if (withTenant)
        {
            block["tenantId"] = FakeAzure.Tenant;
        }

        return block;
    }

    public Task<IStoreClient> ConnectAsync(JsonObject block) => harness.ConnectAsync("azurekv", block);

    public async ValueTask DisposeAsync()
    {
        await harness.DisposeAsync();
        await Azure.DisposeAsync();
    }
}
