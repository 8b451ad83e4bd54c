using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Kubernetes;
using CsiDriver.Providers.Aws;
using CsiDriver.Providers.Gcp;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Gcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Gcp;

/// <summary>
/// The <c>gcpsm</c> store as <c>AddExternalSecretStores</c> wires it, against the loopback Google (STS, IAM credentials,
/// OAuth token URI, metadata server, Secret Manager) and a loopback API server that issues service-account tokens.
/// </summary>
internal sealed class GcpStoreTestContext : IAsyncDisposable
{
    public const string Ns = "team-a";
    public const string Project = "my-proj";
    public const string KeyEmail = "pusher@my-proj.iam.gserviceaccount.com";
    public const string ControllerUser = "system:serviceaccount:external-secrets:csi-secrets-store-controller";
    private const string ControllerToken = "gcp-store-controller-token-0123456789";

    private readonly TestDirectory _directory;
    private readonly ServiceProvider _services;

    private GcpStoreTestContext(FakeKubeApiServer kube, FakeGcpServer google, TestDirectory directory, ServiceProvider services, CapturingLoggerProvider logs)
    {
        Kube = kube;
        Google = google;
        _directory = directory;
        _services = services;
        Logs = logs;
    }

    public FakeKubeApiServer Kube { get; }

    public FakeGcpServer Google { get; }

    public CapturingLoggerProvider Logs { get; }

    public RSA Key { get; } = RSA.Create(2048);

    public IStoreProvider Stores => _services.GetServices<IStoreProvider>().Single(p => p.Key == "gcpsm");

    public static async Task<GcpStoreTestContext> StartAsync()
    {
        var kube = await FakeKubeApiServer.StartAsync();
        kube.AddToken(ControllerToken, ControllerUser);
        kube.Allow(ControllerUser, new FakeRule("", "secrets", ["get"]), new FakeRule("", "serviceaccounts", ["get"]), new FakeRule("", "serviceaccounts/token", ["create"]));
        var google = await FakeGcpServer.StartAsync();
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
            .AddSingleton(Options(google))
            .AddExternalSecretStores()
            .BuildServiceProvider();
        return new GcpStoreTestContext(kube, google, directory, services, logs);
    }

    /// <summary>Every Google endpoint at the fake; the controller's own cluster is my-proj / us-central1 / prod.</summary>
    public static GcpProviderOptions Options(FakeGcpServer google)
    {
        var b = google.BaseUri.AbsoluteUri.TrimEnd('/');
        return new GcpProviderOptions
        {
            SecretManagerEndpoint = google.BaseUri,
            RegionalSecretManagerEndpoint = b + "/r/{location}",
            TokenExchangeEndpoint = new Uri(b + "/v1/identitybindingtoken"),
            IamCredentialsEndpoint = google.BaseUri,
            MetadataEndpoint = google.BaseUri,
            ServiceAccountTokenUri = new Uri(b + "/token"),
            Project = Project,
            ClusterLocation = "us-central1",
            ClusterName = "prod",
            MaxAttempts = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            RetryMaxDelay = TimeSpan.FromMilliseconds(5),
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
    }

    /// <summary>Secret "gcp-key" in <see cref="Ns"/> with a key JSON whose public half the fake token URI knows.</summary>
    public void PutKeySecret()
    {
        Google.ServiceAccountKeys[KeyEmail] = Key;
        var json = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = Project,
            ["private_key_id"] = "store-key-1",
            ["private_key"] = Key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = KeyEmail,
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        }.ToJsonString();
        Kube.Put("", "secrets", Ns, FakeKubeApiServer.Secret("gcp-key", new Dictionary<string, string> { ["key.json"] = json }));
    }

    public void PutServiceAccount(string name, IDictionary<string, string>? annotations = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (annotations is not null)
        {
            metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        Kube.Put("", "serviceaccounts", Ns, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = metadata });
    }

    public static JsonObject KeyBlock(string? location = null)
    {
        var block = new JsonObject
        {
            ["projectID"] = Project,
            ["auth"] = new JsonObject { ["secretRef"] = new JsonObject { ["secretAccessKeySecretRef"] = new JsonObject { ["name"] = "gcp-key", ["key"] = "key.json" } } },
        };
        if (location is not null)
        {
            block["location"] = location;
        }

        return block;
    }

    public static JsonObject WorkloadBlock(string serviceAccount, bool clusterFields = true)
    {
        var workload = new JsonObject { ["serviceAccountRef"] = new JsonObject { ["name"] = serviceAccount } };
        if (clusterFields)
        {
            workload["clusterLocation"] = "us-central1";
            workload["clusterName"] = "prod";
        }

        return new JsonObject { ["projectID"] = Project, ["auth"] = new JsonObject { ["workloadIdentity"] = workload } };
    }

    public async Task<IStoreClient> ConnectAsync(JsonObject block) =>
        await Stores.ConnectAsync(StoreTestContext.SecretStore(Ns, "gcpsm", block), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Google.DisposeAsync();
        await Kube.DisposeAsync();
        _directory.Dispose();
        Key.Dispose();
    }
}
