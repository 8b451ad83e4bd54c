using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Kubernetes;
using CsiDriver.Observability;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Aws;
using CsiDriver.Tests.Providers.Vault;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>
/// What the reconciler test contexts share: the loopback API server (the driver's user may do anything in the
/// external-secrets.io groups), a clock the test moves forward, captured logs, metrics, and the services every reconciler needs (the
/// API clients, clock, logging and metrics) before the context adds its reconcilers and stores.
/// </summary>
internal sealed class ControllerHarness(KubeTestContext kube, OffsetTimeProvider clock, CapturingLoggerProvider logs, ServiceProvider services) : IAsyncDisposable
{
    public const string Ns = "team-a";

    public KubeTestContext Kube { get; } = kube;

    public FakeKubeApiServer Server => Kube.Server;

    public OffsetTimeProvider Clock { get; } = clock;

    public CapturingLoggerProvider Logs { get; } = logs;

    public MetricsRegistry Registry { get; } = services.GetRequiredService<MetricsRegistry>();

    public IServiceProvider Services => services;

    /// <param name="configure">The reconcilers, stores and settings under test, before the container is built.</param>
    public static async Task<ControllerHarness> StartAsync(Action<IServiceCollection, OffsetTimeProvider> configure)
    {
        var kube = await KubeTestContext.StartAsync();
        kube.Server.Allow(KubeTestContext.DriverUser, new FakeRule(FakeKubeApiServer.EsoGroup, "*", ["*"]));
        var clock = new OffsetTimeProvider();
        var logs = new CapturingLoggerProvider();
        var registry = new MetricsRegistry();
        var transport = new KubernetesTransport(kube.Api.Connection, withClientCertificate: true, KubeTestContext.FastOptions(), kube.Time, () => 0.5, NullLogger.Instance);
        var collection = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug))
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(registry)
            .AddSingleton(new DriverMetrics(registry, new NoVolumes()))
            .AddSingleton(kube.Api)
            .AddSingleton(new ExternalSecretsKubeApi(transport, kube.Api.Connection.Token));
        configure(collection, clock);
        return new ControllerHarness(kube, clock, logs, collection.BuildServiceProvider());
    }

    public IReconciler Reconciler(string kind) => services.GetServices<IReconciler>().Single(r => r.Kind == kind);

    /// <summary>Stores a SecretStore or ClusterSecretStore object.</summary>
    public JsonObject PutStore(string kind, JsonObject store) =>
        kind == "ClusterSecretStore"
            ? Server.PutObject(FakeKubeApiServer.EsoGroup, "clustersecretstores", null, store)
            : Server.PutObject(FakeKubeApiServer.EsoGroup, "secretstores", Ns, store);

    /// <summary>Stores a namespaced external-secrets.io object with this spec and, when given, labels.</summary>
    public JsonObject PutResource(string resource, string apiVersion, string kind, string name, JsonObject spec, Dictionary<string, string>? labels)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        return Server.PutObject(FakeKubeApiServer.EsoGroup, resource, Ns, new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = spec,
        });
    }

    /// <summary>Everything a user or operator could see: the objects' statuses, the events, logs and metrics.</summary>
    public string Observable(string resource, IEnumerable<JsonObject> events) =>
        string.Join('\n', Server.List(FakeKubeApiServer.EsoGroup, resource, Ns).Select(o => o.ToJsonString()))
        + string.Join('\n', events.Select(e => e.ToJsonString()))
        + Logs.AllText
        + Registry.Render();

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        await Kube.DisposeAsync();
    }
}
