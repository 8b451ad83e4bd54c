using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Providers.Aws;
using CsiDriver.Providers.Gcp;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Gcp;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Gcp;

/// <summary>
/// The <c>gcpsm</c> store as <c>AddExternalSecretStores</c> wires it, against the loopback Google (STS, IAM credentials,
/// OAuth token URI, metadata server, Secret Manager) and a loopback API server that issues service-account tokens.
/// </summary>
internal sealed class GcpStoreTestContext(CloudStoreHarness harness, FakeGcpServer google) : IAsyncDisposable
{
    public const string Ns = CloudStoreHarness.Ns;
    public const string Project = "my-proj";
    public const string KeyEmail = "pusher@my-proj.iam.gserviceaccount.com";
    public const string ControllerUser = CloudStoreHarness.ControllerUser;
    private const string ControllerToken = "gcp-store-controller-token-0123456789";

    public FakeKubeApiServer Kube => harness.Kube;

    public FakeGcpServer Google { get; } = google;

    public CapturingLoggerProvider Logs => harness.Logs;

    public RSA Key { get; } = RSA.Create(2048);

    public IStoreProvider Stores => harness.Store("gcpsm");

    public static async Task<GcpStoreTestContext> StartAsync()
    {
        var google = await FakeGcpServer.StartAsync();
        var harness = await CloudStoreHarness.StartAsync(ControllerToken, (services, _) => services
            .AddSingleton(new AwsProviderOptions())
            .AddSingleton(AwsControllerIdentity.None)
            .AddSingleton(Options(google)));
        return new GcpStoreTestContext(harness, google);
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
            Retry = new GcpProviderOptions().Retry with { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxRetryAfter = TimeSpan.FromMilliseconds(5) },
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

    public void PutServiceAccount(string name, IDictionary<string, string>? annotations = null) =>
        harness.PutServiceAccount(name, annotations);

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

    public Task<IStoreClient> ConnectAsync(JsonObject block) => harness.ConnectAsync("gcpsm", block);

    public async ValueTask DisposeAsync()
    {
        await harness.DisposeAsync();
        await Google.DisposeAsync();
        Key.Dispose();
    }
}
