using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Providers.Aws;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Aws;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary>
/// The <c>aws</c> store as <c>AddExternalSecretStores</c> wires it, against the loopback AWS (SigV4-checking Secrets Manager,
/// SSM and STS) (<see cref="CloudStoreHarness"/>). Retries are fast.
/// </summary>
internal sealed class AwsStoreTestContext(CloudStoreHarness harness, FakeAwsServer aws) : IAsyncDisposable
{
    public const string Ns = CloudStoreHarness.Ns;
    public const string Region = "us-east-1";
    public const string KeyId = "AKIASTOREKEY0000001";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTOREKEY01";
    public const string StaticPrincipal = "arn:aws:iam::123456789012:user/store";
    public const string RoleArn = "arn:aws:iam::123456789012:role/eso-reader";
    public const string AssumedRole = "arn:aws:iam::123456789012:role/eso-writer";
    public const string ControllerUser = CloudStoreHarness.ControllerUser;
    private const string ControllerToken = "aws-store-controller-token-0123456789";

    public FakeKubeApiServer Kube => harness.Kube;

    public FakeAwsServer Aws { get; } = aws;

    public CapturingLoggerProvider Logs => harness.Logs;

    public string Directory => harness.Directory;

    public IStoreProvider Stores => harness.Store("aws");

    /// <param name="controller">The controller's own AWS identity (null: none).</param>
    /// <param name="configure">Changes to the AWS settings (timeouts, endpoint overrides).</param>
    public static async Task<AwsStoreTestContext> StartAsync(Func<string, AwsControllerIdentity>? controller = null, Action<AwsProviderOptions>? configure = null)
    {
        var aws = await FakeAwsServer.StartAsync();
        aws.AddKey(KeyId, SecretKey, StaticPrincipal);
        var options = Options(aws);
        configure?.Invoke(options);
        var harness = await CloudStoreHarness.StartAsync(ControllerToken, (services, directory) => services
            .AddSingleton(options)
            .AddSingleton(controller?.Invoke(directory) ?? AwsControllerIdentity.None));
        return new AwsStoreTestContext(harness, aws);
    }

    /// <summary>The AWS settings the tests use: every service at the fake, fast retries, short attempts.</summary>
    public static AwsProviderOptions Options(FakeAwsServer aws) => new()
    {
        EndpointUrl = aws.Url,
        PodIdentityEndpoint = new Uri(aws.Url, "/v1/credentials"),
        Retry = new AwsProviderOptions().Retry with { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxAttempts = 3 },
        AttemptTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>The Secret "aws-keys" in <paramref name="ns"/> holding the static key pair.</summary>
    public void PutKeys(string ns = Ns, string keyId = KeyId, string secret = SecretKey) =>
        Kube.Put("", "secrets", ns, FakeKubeApiServer.Secret("aws-keys", new Dictionary<string, string> { ["id"] = keyId, ["secret"] = secret + "\n" }));

    public void PutServiceAccount(string name, IDictionary<string, string>? annotations = null, string ns = Ns) =>
        harness.PutServiceAccount(name, annotations, ns);

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

    public Task<IStoreClient> ConnectAsync(JsonObject block, string ns = Ns) => harness.ConnectAsync("aws", block, ns);

    public async Task<IStoreWriter> WriterAsync(JsonObject block) => (IStoreWriter)await ConnectAsync(block);

    public async ValueTask DisposeAsync()
    {
        await harness.DisposeAsync();
        await Aws.DisposeAsync();
    }
}
