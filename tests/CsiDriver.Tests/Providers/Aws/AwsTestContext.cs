using System.Text.Json;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Providers.Aws;

/// <summary>Real time moved forward by hand: tests skip ahead while timers (retry delays) and the clock itself still run on real time.</summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    private TimeSpan _offset;

    public void Advance(TimeSpan by) => _offset += by;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _offset;
}

/// <summary>ServiceAccount annotations as the Kubernetes API would return them.</summary>
public sealed class DictionaryServiceAccountLookup : IServiceAccountLookup
{
    public Dictionary<string, Dictionary<string, string>> Annotations { get; } = new();

    public int Lookups { get; private set; }

    public Task<IReadOnlyDictionary<string, string>> GetAnnotationsAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        Lookups++;
        return Task.FromResult<IReadOnlyDictionary<string, string>>(Annotations.TryGetValue($"{@namespace}/{name}", out var found) ? found : new Dictionary<string, string>());
    }
}

/// <summary>A fake AWS, a provider wired to it through endpoint overrides, and request builders.</summary>
public sealed class AwsTestContext : IAsyncDisposable
{
    public const string Region = "us-east-1";
    public const string FailoverRegion = "us-west-2";
    public const string RoleArn = "arn:aws:iam::123456789012:role/app-secrets";
    public const string StsToken = "eyJhbGciOiJSUzI1NiJ9.sts-audience-token.sig";
    public const string PodIdentityToken = "eyJhbGciOiJSUzI1NiJ9.pod-identity-token.sig";

    private readonly TestDirectory _state = new();

    private AwsTestContext(FakeAwsServer server, AwsProviderOptions options)
    {
        Server = server;
        Options = options;
        Lookup.Annotations["app/web"] = new() { ["eks.amazonaws.com/role-arn"] = RoleArn };
        server.Roles[RoleArn] = StsToken;
        server.PodIdentityToken = PodIdentityToken;
        server.Now = Time.GetUtcNow;
        Metrics = new DriverMetrics(new MetricsRegistry(), new FileVolumeRegistry(_state.Path, NullLogger<FileVolumeRegistry>.Instance));
        Provider = new AwsProvider(
            options,
            Lookup,
            AwsClients.Create(options, Http, Time, new Random(7), NullLogger.Instance, Metrics),
            new CsiDriver.Providers.VersionedValueCache(CsiDriver.Providers.VersionedValueCache.DefaultMaxBytes),
            Time,
            NullLogger<AwsProvider>.Instance);
    }

    public FakeAwsServer Server { get; }

    public AwsProviderOptions Options { get; }

    public OffsetTimeProvider Time { get; } = new();

    public DictionaryServiceAccountLookup Lookup { get; } = new();

    public HttpClient Http { get; } = new();

    internal AwsProvider Provider { get; }

    /// <summary>The provider's metrics; <see cref="BackendCalls"/> reads its backend call counter.</summary>
    internal DriverMetrics Metrics { get; }

    /// <summary>csi_secrets_store_backend_calls_total{provider="aws",call=<paramref name="call"/>} as exported.</summary>
    public long BackendCalls(string call)
    {
        var prefix = $"csi_secrets_store_backend_calls_total{{provider=\"aws\",call=\"{call}\"}} ";
        var line = Metrics.Registry.Render().Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<AwsTestContext> StartAsync(Action<AwsProviderOptions>? configure = null)
    {
        var server = await FakeAwsServer.StartAsync();
        var options = new AwsProviderOptions
        {
            Region = null,
            EndpointUrl = server.Url,
            ImdsEndpoint = server.Url,
            PodIdentityEndpoint = new Uri(server.Url, "/v1/credentials"),
            Retry = new AwsProviderOptions().Retry with { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxAttempts = 3 },
        };
        configure?.Invoke(options);
        return new AwsTestContext(server, options);
    }

    public static ProviderRequest Request(
        IReadOnlyDictionary<string, string> parameters,
        string? tokensJson = null,
        IReadOnlyDictionary<string, string>? secrets = null,
        IReadOnlyList<ObjectVersion>? current = null,
        string podUid = "uid-1",
        string className = "app-secrets",
        string serviceAccount = "web")
    {
        tokensJson ??= JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["sts.amazonaws.com"] = new { token = StsToken, expirationTimestamp = "2030-01-01T00:00:00Z" },
            ["pods.eks.amazonaws.com"] = new { token = PodIdentityToken, expirationTimestamp = "2030-01-01T00:00:00Z" },
        });
        var spc = new SecretProviderClass { Name = className, Namespace = "app", Provider = "aws", Parameters = parameters };
        var attributes = new Dictionary<string, string>(parameters)
        {
            ["secretProviderClass"] = className,
            ["csi.storage.k8s.io/pod.name"] = "web-0",
            ["csi.storage.k8s.io/pod.namespace"] = "app",
            ["csi.storage.k8s.io/pod.uid"] = podUid,
            ["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount,
        };
        var pod = new PodIdentity("web-0", "app", podUid, serviceAccount, ServiceAccountTokens.Parse(tokensJson));
        return new ProviderRequest(spc, attributes, pod, secrets ?? new Dictionary<string, string>(), (UnixFileMode)0x1A4, current ?? [], "/tmp/target");
    }

    public static Dictionary<string, string> Params(string objects, string? region = Region, params (string Key, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string> { ["objects"] = objects };
        if (region is not null)
        {
            parameters["region"] = region;
        }

        foreach (var (key, value) in extra)
        {
            parameters[key] = value;
        }

        return parameters;
    }

    public Task<ProviderResult> FetchAsync(ProviderRequest request) => Provider.FetchAsync(request, CancellationToken.None);

    public async Task<SecretStoreException> FailAsync(ProviderRequest request)
    {
        var act = () => Provider.FetchAsync(request, CancellationToken.None);
        return (await act.Should().ThrowAsync<SecretStoreException>()).Which;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _state.Dispose();
    }
}

internal static class ProviderResultExtensions
{
    public static string Text(this ProviderResult result, string path) =>
        System.Text.Encoding.UTF8.GetString(result.Files.Single(f => f.Path == path).Contents.Span);

    public static string Version(this ProviderResult result, string id) => result.Versions.Single(v => v.Id == id).Version;
}
