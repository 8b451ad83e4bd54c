using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Kubernetes;
using CsiDriver.Providers.Aws;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Aws;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary>
/// The <c>aws</c> store as <c>AddExternalSecretStores</c> wires it, against the loopback AWS (SigV4-checking Secrets Manager,
/// SSM and STS) and a loopback API server where the controller may read Secrets and ServiceAccounts and request tokens,
/// as its ClusterRole allows. Retries are fast; the clock is real (the backends' credentials expire in an hour).
/// </summary>
internal sealed class AwsStoreTestContext : IAsyncDisposable
{
    public const string Ns = "team-a";
    public const string Region = "us-east-1";
    public const string KeyId = "AKIASTOREKEY0000001";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTOREKEY01";
    public const string StaticPrincipal = "arn:aws:iam::123456789012:user/store";
    public const string RoleArn = "arn:aws:iam::123456789012:role/eso-reader";
    public const string AssumedRole = "arn:aws:iam::123456789012:role/eso-writer";
    public const string ControllerUser = "system:serviceaccount:external-secrets:csi-secrets-store-controller";
    private const string ControllerToken = "aws-store-controller-token-0123456789";

    private readonly TestDirectory _directory;
    private readonly ServiceProvider _services;

    private AwsStoreTestContext(FakeKubeApiServer kube, FakeAwsServer aws, TestDirectory directory, ServiceProvider services, CapturingLoggerProvider logs)
    {
        Kube = kube;
        Aws = aws;
        _directory = directory;
        _services = services;
        Logs = logs;
    }

    public FakeKubeApiServer Kube { get; }

    public FakeAwsServer Aws { get; }

    public CapturingLoggerProvider Logs { get; }

    public string Directory => _directory.Path;

    public IStoreProvider Stores => _services.GetServices<IStoreProvider>().Single(p => p.Key == "aws");

    /// <param name="controller">The controller's own AWS identity (null: none).</param>
    /// <param name="configure">Changes to the AWS settings (timeouts, endpoint overrides).</param>
    public static async Task<AwsStoreTestContext> StartAsync(Func<string, AwsControllerIdentity>? controller = null, Action<AwsProviderOptions>? configure = null)
    {
        var kube = await FakeKubeApiServer.StartAsync();
        kube.AddToken(ControllerToken, ControllerUser);
        kube.Allow(ControllerUser, new FakeRule("", "secrets", ["get"]), new FakeRule("", "serviceaccounts", ["get"]), new FakeRule("", "serviceaccounts/token", ["create"]));
        var aws = await FakeAwsServer.StartAsync();
        aws.AddKey(KeyId, SecretKey, StaticPrincipal);
        var directory = new TestDirectory();
        var options = Options(aws);
        configure?.Invoke(options);
        var connection = KubeconfigLoader.Load(KubeTestContext.WriteKubeconfig(directory, kube, $"token: {ControllerToken}"), TimeProvider.System);
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(KubeTestContext.FastOptions())
            .AddSingleton(sp => new KubernetesApi(connection, KubeTestContext.FastOptions(), TimeProvider.System, () => 0.5, sp.GetRequiredService<ILoggerFactory>().CreateLogger("test")))
            .AddSingleton(TestMetrics.Create())
            .AddSingleton(options)
            .AddSingleton(controller?.Invoke(directory.Path) ?? AwsControllerIdentity.None)
            .AddExternalSecretStores()
            .BuildServiceProvider();
        return new AwsStoreTestContext(kube, aws, directory, services, logs);
    }

    /// <summary>The AWS settings the tests use: every service at the fake, fast retries, short attempts.</summary>
    public static AwsProviderOptions Options(FakeAwsServer aws) => new()
    {
        EndpointUrl = aws.Url,
        PodIdentityEndpoint = new Uri(aws.Url, "/v1/credentials"),
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
        MaxAttempts = 3,
        AttemptTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>The Secret "aws-keys" in <paramref name="ns"/> holding the static key pair.</summary>
    public void PutKeys(string ns = Ns, string keyId = KeyId, string secret = SecretKey) =>
        Kube.Put("", "secrets", ns, FakeKubeApiServer.Secret("aws-keys", new Dictionary<string, string> { ["id"] = keyId, ["secret"] = secret + "\n" }));

    public void PutServiceAccount(string name, IDictionary<string, string>? annotations = null, string ns = Ns)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (annotations is not null)
        {
            metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        Kube.Put("", "serviceaccounts", ns, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = metadata });
    }

    /// <summary>An aws block reading <paramref name="service"/> with the static keys of Secret "aws-keys".</summary>
    public static JsonObject KeysBlock(string service = "SecretsManager", string region = Region) => new()
    {
        ["service"] = service,
        ["region"] = region,
        ["auth"] = new JsonObject
        {
            ["secretRef"] = new JsonObject
            {
                ["accessKeyIDSecretRef"] = new JsonObject { ["name"] = "aws-keys", ["key"] = "id" },
                ["secretAccessKeySecretRef"] = new JsonObject { ["name"] = "aws-keys", ["key"] = "secret" },
            },
        },
    };

    public static JsonObject JwtBlock(string serviceAccount, string service = "SecretsManager") => new()
    {
        ["service"] = service,
        ["region"] = Region,
        ["auth"] = new JsonObject { ["jwt"] = new JsonObject { ["serviceAccountRef"] = new JsonObject { ["name"] = serviceAccount } } },
    };

    public async Task<IStoreClient> ConnectAsync(JsonObject block, string ns = Ns) =>
        await Stores.ConnectAsync(StoreTestContext.SecretStore(ns, "aws", block), CancellationToken.None);

    public async Task<IStoreWriter> WriterAsync(JsonObject block) => (IStoreWriter)await ConnectAsync(block);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Aws.DisposeAsync();
        await Kube.DisposeAsync();
        _directory.Dispose();
    }
}
