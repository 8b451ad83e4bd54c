using CsiDriver.Providers;
using CsiDriver.Providers.Gcp;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Gcp;

/// <summary>A fake GCP, the provider wired to it, and helpers to build requests the way the driver does.</summary>
public sealed class GcpTestBed : IAsyncDisposable
{
    private GcpTestBed(FakeGcpServer server, GcpProviderOptions options)
    {
        Server = server;
        Options = options;
    }

    public FakeGcpServer Server { get; }

    public GcpProviderOptions Options { get; }

    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);

    public Dictionary<string, Dictionary<string, string>> ServiceAccounts { get; } = new(StringComparer.Ordinal);

    public IServiceAccountLookup? Lookup { get; set; }

    public static async Task<GcpTestBed> StartAsync(Action<GcpProviderOptions>? configure = null)
    {
        var server = await FakeGcpServer.StartAsync();
        var b = server.BaseUri.AbsoluteUri.TrimEnd('/');
        var options = new GcpProviderOptions
        {
            SecretManagerEndpoint = server.BaseUri,
            RegionalSecretManagerEndpoint = b + "/r/{location}",
            ParameterManagerEndpoint = server.BaseUri,
            RegionalParameterManagerEndpoint = b + "/r/{location}",
            TokenExchangeEndpoint = new Uri(b + "/v1/identitybindingtoken"),
            IamCredentialsEndpoint = server.BaseUri,
            MetadataEndpoint = server.BaseUri,
            ServiceAccountTokenUri = new Uri(b + "/token"),
            Project = "my-proj",
            ClusterLocation = "us-central1",
            ClusterName = "prod",
            Retry = new GcpProviderOptions().Retry with { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxRetryAfter = TimeSpan.FromMilliseconds(5) },
        };
        configure?.Invoke(options);
        return new GcpTestBed(server, options);
    }

    public IProvider Provider() => Provider(Infrastructure.TestMetrics.Create());

    /// <summary>The provider as the driver registers it, on its own services (so its own token and value caches).</summary>
    internal IProvider Provider(CsiDriver.Observability.DriverMetrics metrics) => Infrastructure.WiredProvider.Build(services => services
        .AddSingleton(Options)
        .AddSingleton(Lookup ?? new DictionaryServiceAccountLookup(ServiceAccounts))
        .AddSingleton<TimeProvider>(Clock)
        .AddSingleton(new Random(7))
        .AddSingleton(metrics)
        .AddGcpProvider(Options.MaxObjectBytes));

    public static ProviderRequest Request(
        string secretsYaml,
        string? podTokenAudience = "my-proj.svc.id.goog",
        IDictionary<string, string>? extraParameters = null,
        IDictionary<string, string>? nodePublishSecrets = null,
        string serviceAccount = "app",
        string? podToken = null,
        string className = "app-secrets",
        IReadOnlyList<ObjectVersion>? currentVersions = null,
        IFetchScope? scope = null)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["secrets"] = secretsYaml };
        foreach (var (k, v) in extraParameters ?? new Dictionary<string, string>())
        {
            parameters[k] = v;
        }

        var tokens = podTokenAudience is null
            ? ServiceAccountTokens.None
            : ServiceAccountTokens.Parse(new System.Text.Json.Nodes.JsonObject
            {
                [podTokenAudience] = new System.Text.Json.Nodes.JsonObject
                {
                    ["token"] = podToken ?? FakeGcpServer.KubernetesToken(podTokenAudience, "default", serviceAccount),
                    ["expirationTimestamp"] = "2099-01-01T00:00:00Z",
                },
            }.ToJsonString());
        return new ProviderRequest(
            new SecretProviderClass { Name = className, Namespace = "default", Provider = "gcp", Parameters = parameters },
            parameters,
            new PodIdentity("app-0", "default", "uid-1", serviceAccount, tokens),
            new Dictionary<string, string>(nodePublishSecrets ?? new Dictionary<string, string>(), StringComparer.Ordinal),
            (UnixFileMode)Convert.ToInt32("644", 8),
            currentVersions ?? [],
            "/tmp/unused")
        {
            FetchScope = scope,
        };
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>Kubernetes ServiceAccount annotations by "namespace/name".</summary>
internal sealed class DictionaryServiceAccountLookup(Dictionary<string, Dictionary<string, string>> accounts) : IServiceAccountLookup
{
    public Task<IReadOnlyDictionary<string, string>> GetAnnotationsAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        accounts.TryGetValue($"{@namespace}/{name}", out var annotations)
            ? Task.FromResult<IReadOnlyDictionary<string, string>>(annotations)
            : Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
}

/// <summary>A clock tests move by hand; timers stay real.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
