using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.ExternalSecrets.Stores.Azure;
using CsiDriver.Kubernetes;
using CsiDriver.Providers.Aws;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Azure;

/// <summary>
/// The <c>azurekv</c> store as <c>AddExternalSecretStores</c> wires it, against the loopback Entra ID, IMDS and Key Vault
/// (HTTPS, bearer challenge) and a loopback API server that issues service-account tokens.
/// </summary>
internal sealed class AzureStoreTestContext : IAsyncDisposable
{
    public const string Ns = "team-a";
    public const string Client = "11111111-2222-3333-4444-555555555555";
    public const string ClientSecret = "sp-secret-Zx8Q~never-print-me";
    public const string ControllerUser = "system:serviceaccount:external-secrets:csi-secrets-store-controller";
    private const string ControllerToken = "azure-store-controller-token-0123456789";

    private readonly TestDirectory _directory;
    private readonly ServiceProvider _services;

    private AzureStoreTestContext(FakeKubeApiServer kube, FakeAzure azure, TestDirectory directory, ServiceProvider services, CapturingLoggerProvider logs)
    {
        Kube = kube;
        Azure = azure;
        _directory = directory;
        _services = services;
        Logs = logs;
    }

    public FakeKubeApiServer Kube { get; }

    public FakeAzure Azure { get; }

    public CapturingLoggerProvider Logs { get; }

    public IStoreProvider Stores => _services.GetServices<IStoreProvider>().Single(p => p.Key == "azurekv");

    /// <param name="environment">The controller's <c>AZURE_TENANT_ID</c>; none when null, whatever this machine's is.</param>
    public static async Task<AzureStoreTestContext> StartAsync(AzureStoreEnvironment? environment = null)
    {
        var kube = await FakeKubeApiServer.StartAsync();
        kube.AddToken(ControllerToken, ControllerUser);
        kube.Allow(ControllerUser, new FakeRule("", "secrets", ["get"]), new FakeRule("", "serviceaccounts", ["get"]), new FakeRule("", "serviceaccounts/token", ["create"]));
        var azure = await FakeAzure.StartAsync();
        var directory = new TestDirectory();
        var connection = KubeconfigLoader.Load(KubeTestContext.WriteKubeconfig(directory, kube, $"token: {ControllerToken}"), TimeProvider.System);
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(KubeTestContext.FastOptions())
            .AddSingleton(sp => new KubernetesApi(connection, KubeTestContext.FastOptions(), TimeProvider.System, () => 0.5, sp.GetRequiredService<ILoggerFactory>().CreateLogger("test")))
            .AddSingleton(TestMetrics.Create())
            .AddSingleton(new AwsProviderOptions())
            .AddSingleton(AwsControllerIdentity.None)
            .AddSingleton(AzureTestKit.Options(azure) with { RequestTimeout = TimeSpan.FromSeconds(5), ThrottleBaseDelay = TimeSpan.FromMilliseconds(1), ThrottleMaxDelay = TimeSpan.FromMilliseconds(5) })
            .AddSingleton(environment ?? new AzureStoreEnvironment(null))
            .AddExternalSecretStores()
            .BuildServiceProvider();
        return new AzureStoreTestContext(kube, azure, directory, services, logs);
    }

    public void PutCredentials(string secret = ClientSecret) =>
        Kube.Put("", "secrets", Ns, FakeKubeApiServer.Secret("azure-sp", new Dictionary<string, string> { ["client-id"] = Client, ["client-secret"] = secret }));

    /// <summary>The Secret <c>azure-cert</c> with the client id and <paramref name="pem"/> (certificate and key).</summary>
    public void PutCertificateCredentials(string pem) =>
        Kube.Put("", "secrets", Ns, CertificateSecret(pem));

    public static JsonObject CertificateSecret(string pem) =>
        FakeKubeApiServer.Secret("azure-cert", new Dictionary<string, string> { ["client-id"] = Client, ["tls.pem"] = pem });

    public void PutServiceAccount(string name, IDictionary<string, string>? annotations = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (annotations is not null)
        {
            metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        Kube.Put("", "serviceaccounts", Ns, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = metadata });
    }

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

    public async Task<IStoreClient> ConnectAsync(JsonObject block) =>
        await Stores.ConnectAsync(StoreTestContext.SecretStore(Ns, "azurekv", block), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Azure.DisposeAsync();
        await Kube.DisposeAsync();
        _directory.Dispose();
    }
}
