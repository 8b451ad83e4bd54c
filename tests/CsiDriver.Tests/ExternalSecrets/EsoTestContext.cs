using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Observability;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Aws;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>
/// The real reconcilers, wired by <c>AddExternalSecretReconcilers</c>, against the loopback API server; a manual clock
/// for refresh decisions; the fake store as the backend, its reads counted by the backend-call counter.
/// </summary>
internal sealed class EsoTestContext(ControllerHarness harness) : IAsyncDisposable
{
    public const string Ns = ControllerHarness.Ns;

    public KubeTestContext Kube => harness.Kube;

    public FakeKubeApiServer Server => harness.Server;

    public OffsetTimeProvider Clock => harness.Clock;

    public CapturingLoggerProvider Logs => harness.Logs;

    public IReconciler Reconciler { get; } = harness.Reconciler("ExternalSecret");

    public IReconciler SecretStores { get; } = harness.Reconciler("SecretStore");

    public IReconciler ClusterStores { get; } = harness.Reconciler("ClusterSecretStore");

    public IReconciler ClusterExternalSecrets { get; } = harness.Reconciler("ClusterExternalSecret");

    public DriverMetrics Metrics { get; } = harness.Services.GetRequiredService<DriverMetrics>();

    public MetricsRegistry Registry => harness.Registry;

    public IServiceProvider Services => harness.Services;

    /// <param name="options">Reconcile options (defaults when null).</param>
    /// <param name="services">More services (a real store provider and its settings) before the container is built.</param>
    public static async Task<EsoTestContext> StartAsync(ExternalSecretsReconcileOptions? options = null, Action<IServiceCollection, OffsetTimeProvider>? services = null) =>
        new(await ControllerHarness.StartAsync((collection, clock) =>
        {
            collection
                .AddSingleton(options ?? new ExternalSecretsReconcileOptions())
                .AddExternalSecretReconcilers()
                .AddClusterExternalSecretReconciler();
            services?.Invoke(collection, clock);
        }));

    /// <summary>A <c>fake</c> store with Ready=True in its status (as if the store reconciler ran), unless told otherwise.</summary>
    public JsonObject FakeStore(string name, (string Key, string Value, string? Version)[] data, string kind = "SecretStore", bool ready = true, string? controller = null, JsonArray? conditions = null, int? validationResult = null)
    {
        var entries = new JsonArray(data.Select(d => (JsonNode?)new JsonObject
        {
            ["key"] = d.Key,
            ["value"] = d.Value,
            ["version"] = d.Version,
        }).ToArray());
        var fake = new JsonObject { ["data"] = entries };
        if (validationResult is { } result)
        {
            fake["validationResult"] = result;
        }

        var spec = new JsonObject { ["provider"] = new JsonObject { ["fake"] = fake } };
        if (controller is not null)
        {
            spec["controller"] = controller;
        }

        if (conditions is not null)
        {
            spec["conditions"] = conditions;
        }

        var obj = new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = spec,
        };
        if (ready)
        {
            obj["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Valid", ["message"] = "store validated" }),
            };
        }

        return harness.PutStore(kind, obj);
    }

    /// <summary>Replaces the fake store's data (as an edit of the store would, bumping its generation).</summary>
    public void SetStoreData(string name, params (string Key, string Value)[] data) =>
        Server.Mutate(FakeKubeApiServer.EsoGroup, "secretstores", Ns, name, store =>
            store["spec"]!["provider"]!["fake"]!["data"] = new JsonArray(data.Select(d => (JsonNode?)new JsonObject { ["key"] = d.Key, ["value"] = d.Value }).ToArray()));

    public JsonObject PutExternalSecret(string name, JsonObject spec, Dictionary<string, string>? labels = null, string apiVersion = "external-secrets.io/v1") =>
        harness.PutResource("externalsecrets", apiVersion, "ExternalSecret", name, spec, labels);

    /// <summary>The usual spec: one store, the given data entries, the given target.</summary>
    public static JsonObject Spec(string store, JsonObject? target = null, JsonArray? data = null, JsonArray? dataFrom = null, string? refreshInterval = "1h", string? refreshPolicy = null, string storeKind = "SecretStore")
    {
        var spec = new JsonObject { ["secretStoreRef"] = new JsonObject { ["name"] = store, ["kind"] = storeKind } };
        if (refreshInterval is not null)
        {
            spec["refreshInterval"] = refreshInterval;
        }

        if (refreshPolicy is not null)
        {
            spec["refreshPolicy"] = refreshPolicy;
        }

        if (target is not null)
        {
            spec["target"] = target;
        }

        if (data is not null)
        {
            spec["data"] = data;
        }

        if (dataFrom is not null)
        {
            spec["dataFrom"] = dataFrom;
        }

        return spec;
    }

    public static JsonArray Data(params (string SecretKey, string Key)[] entries) =>
        new(entries.Select(e => (JsonNode?)new JsonObject { ["secretKey"] = e.SecretKey, ["remoteRef"] = new JsonObject { ["key"] = e.Key } }).ToArray());

    public Task<ReconcileResult> ReconcileAsync(string name) => Reconciler.ReconcileAsync(new ObjectKey(Ns, name), CancellationToken.None);

    public ExternalSecret? ExternalSecret(string name) =>
        Server.Get(FakeKubeApiServer.EsoGroup, "externalsecrets", Ns, name)?.Deserialize(EsoJsonContext.Default.ExternalSecret);

    public StatusCondition? Ready(string name) => ExternalSecret(name)?.Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready");

    public JsonObject? Secret(string name) => Server.Get(string.Empty, "secrets", Ns, name);

    public ManagedSecret? TypedSecret(string name) => Secret(name)?.Deserialize(EsoJsonContext.Default.ManagedSecret);

    public string? Value(string secret, string key) =>
        TypedSecret(secret)?.Data?.TryGetValue(key, out var value) == true ? Encoding.UTF8.GetString(value) : null;

    public void PutSecret(string name, Dictionary<string, string> data, Dictionary<string, string>? labels = null)
    {
        var secret = FakeKubeApiServer.Secret(name, data);
        if (labels is not null)
        {
            secret["metadata"]!["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        Server.Put(string.Empty, "secrets", Ns, secret);
    }

    /// <summary>Requests that change something (events included).</summary>
    public int Writes => Server.Requests.Count(r => r.Verb is "create" or "update" or "patch" or "delete");

    public List<FakeRequest> WriteRequests => Server.Requests.Where(r => r.Verb is "create" or "update" or "patch" or "delete").ToList();

    public List<JsonObject> Events => Server.List(string.Empty, "events", Ns).Concat(Server.List(string.Empty, "events", "default")).ToList();

    public bool HasEvent(string type, string reason) => Events.Any(e => e["type"]?.GetValue<string>() == type && e["reason"]?.GetValue<string>() == reason);

    public long FakeReads =>
        Metrics.Registry.Render().Split('\n')
            .Where(l => l.StartsWith("csi_secrets_store_backend_calls_total{provider=\"fake\"", StringComparison.Ordinal))
            .Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Everything a user or operator could see: ExternalSecret statuses, events and logs.</summary>
    public string Observable => harness.Observable("externalsecrets", Events);

    public ValueTask DisposeAsync() => harness.DisposeAsync();
}
