using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Reconcile.PushSecrets;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Observability;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Aws;
using CsiDriver.Tests.Providers.Vault;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets.PushSecrets;

/// <summary>
/// The real PushSecret reconciler with the real stores (<c>fake</c>, <c>vault</c>, <c>kubernetes</c>) as the controller
/// wires them, against the loopback API server and a loopback Vault; a manual clock for refresh decisions. One extra
/// store provider, <c>readonly</c>, stands for a store whose client cannot be written to.
/// </summary>
internal sealed class PushSecretTestContext(ControllerHarness harness, FakeVaultServer vault) : IAsyncDisposable
{
    public const string Ns = ControllerHarness.Ns;

    public KubeTestContext Kube => harness.Kube;

    public FakeKubeApiServer Server => harness.Server;

    public FakeVaultServer Vault { get; } = vault;

    public OffsetTimeProvider Clock => harness.Clock;

    public CapturingLoggerProvider Logs => harness.Logs;

    public IReconciler Reconciler { get; } = harness.Reconciler("PushSecret");

    public IReconciler ClusterReconciler { get; } = harness.Reconciler("ClusterPushSecret");

    public MetricsRegistry Registry => harness.Registry;

    public static async Task<PushSecretTestContext> StartAsync()
    {
        var vault = await FakeVaultServer.StartAsync(new ManualClock());
        var harness = await ControllerHarness.StartAsync((services, _) => services
            .AddSingleton<IStoreProvider>(new ReadOnlyStoreProvider())
            .AddExternalSecretReconcilers()
            .AddPushSecretReconciler()
            .AddExternalSecretStores());
        return new PushSecretTestContext(harness, vault);
    }

    /// <summary>A store (Ready) with this provider block; labels optional.</summary>
    public JsonObject Store(string name, string providerKey, JsonObject provider, string kind = "SecretStore", Dictionary<string, string>? labels = null, string? controller = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        var spec = new JsonObject { ["provider"] = new JsonObject { [providerKey] = provider } };
        if (controller is not null)
        {
            spec["controller"] = controller;
        }

        var obj = new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = spec,
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Valid" }) },
        };
        return harness.PutStore(kind, obj);
    }

    /// <summary>A <c>fake</c> store with these static entries.</summary>
    public JsonObject FakeStore(string name, params (string Key, string Value)[] data) =>
        Store(name, "fake", new JsonObject { ["data"] = new JsonArray(data.Select(d => (JsonNode?)new JsonObject { ["key"] = d.Key, ["value"] = d.Value }).ToArray()) });

    /// <summary>A <c>vault</c> store on the loopback Vault, mount <c>secret</c> (KV v2) or <c>kv</c> (v1), token auth.</summary>
    public JsonObject VaultStore(string name, string version = "v2")
    {
        PutSecret("vault-token", new Dictionary<string, string> { ["token"] = Vault.IssueToken() });
        return Store(name, "vault", new JsonObject
        {
            ["server"] = Vault.Address.ToString(),
            ["path"] = version == "v2" ? "secret" : "kv",
            ["version"] = version,
            ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token" } },
        });
    }

    public JsonObject PutPushSecret(string name, JsonObject spec, Dictionary<string, string>? labels = null) =>
        harness.PutResource("pushsecrets", "external-secrets.io/v1alpha1", "PushSecret", name, spec, labels);

    /// <summary>The usual spec: one store by name, the source Secret, the entries; policies and interval when given.</summary>
    public static JsonObject Spec(string store, string source, JsonArray data, string? deletionPolicy = null, string? updatePolicy = null, string? refreshInterval = "1h", string storeKind = "SecretStore")
    {
        var spec = new JsonObject
        {
            ["secretStoreRefs"] = new JsonArray(new JsonObject { ["name"] = store, ["kind"] = storeKind }),
            ["selector"] = new JsonObject { ["secret"] = new JsonObject { ["name"] = source } },
            ["data"] = data,
        };
        if (deletionPolicy is not null)
        {
            spec["deletionPolicy"] = deletionPolicy;
        }

        if (updatePolicy is not null)
        {
            spec["updatePolicy"] = updatePolicy;
        }

        if (refreshInterval is not null)
        {
            spec["refreshInterval"] = refreshInterval;
        }

        return spec;
    }

    /// <summary><c>data[]</c> entries: (secretKey, remoteKey, property).</summary>
    public static JsonArray Data(params (string? SecretKey, string RemoteKey, string? Property)[] entries) =>
        new(entries.Select(e =>
        {
            var remoteRef = new JsonObject { ["remoteKey"] = e.RemoteKey };
            if (e.Property is not null)
            {
                remoteRef["property"] = e.Property;
            }

            var match = new JsonObject { ["remoteRef"] = remoteRef };
            if (e.SecretKey is not null)
            {
                match["secretKey"] = e.SecretKey;
            }

            return (JsonNode?)new JsonObject { ["match"] = match };
        }).ToArray());

    public void PutSecret(string name, Dictionary<string, string> data) => Server.Put(string.Empty, "secrets", Ns, FakeKubeApiServer.Secret(name, data));

    public Task<ReconcileResult> ReconcileAsync(string name) => Reconciler.ReconcileAsync(new ObjectKey(Ns, name), CancellationToken.None);

    public PushSecret? PushSecret(string name) =>
        Server.Get(FakeKubeApiServer.EsoGroup, "pushsecrets", Ns, name)?.Deserialize(PushSecretJsonContext.Default.PushSecret);

    public StatusCondition? Ready(string name) => PushSecret(name)?.Status?.Conditions?.SingleOrDefault(c => c.Type == "Ready");

    /// <summary>What a store holds at <paramref name="key"/>, read through the store's own client (null when not found).</summary>
    public async Task<string?> RemoteAsync(string store, string key, string? property = null)
    {
        var raw = Server.Get(FakeKubeApiServer.EsoGroup, "secretstores", Ns, store)!;
        var loaded = LoadedStore.Parse("SecretStore", raw);
        var provider = harness.Services.GetServices<IStoreProvider>().First(p => p.Key == loaded.ProviderKey);
        var client = await provider.ConnectAsync(loaded.Context(Ns), CancellationToken.None);
        try
        {
            return Encoding.UTF8.GetString(await client.GetSecretAsync(new RemoteRef(key, property), CancellationToken.None));
        }
        catch (CsiDriver.Publishing.SecretStoreException ex) when (ex.Kind == CsiDriver.Publishing.FailureKind.NotFound)
        {
            return null;
        }
    }

    public List<JsonObject> Events => Server.List(string.Empty, "events", Ns);

    public bool HasEvent(string type, string reason) => Events.Any(e => e["type"]?.GetValue<string>() == type && e["reason"]?.GetValue<string>() == reason);

    /// <summary>Everything a user or operator could see: PushSecret statuses, events, logs and metrics.</summary>
    public string Observable => harness.Observable("pushsecrets", Events);

    public async ValueTask DisposeAsync()
    {
        await harness.DisposeAsync();
        await Vault.DisposeAsync();
    }

    /// <summary>A store whose client reads but cannot be written to (no <see cref="IStoreWriter"/>).</summary>
    private sealed class ReadOnlyStoreProvider : IStoreProvider
    {
        public string Key => "readonly";

        public Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken) => Task.FromResult<IStoreClient>(new Client());

        public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => Task.FromResult(StoreValidation.Valid);

        private sealed class Client : IStoreClient
        {
            public string Identity => "readonly";

            public Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken) => Task.FromResult("x"u8.ToArray());

            public Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken) =>
                Task.FromResult<IReadOnlyDictionary<string, byte[]>>(new Dictionary<string, byte[]>());
        }
    }
}
