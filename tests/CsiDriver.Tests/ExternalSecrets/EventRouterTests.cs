using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Tests.Rotation;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>Which cache changes become which work-queue keys.</summary>
public sealed class EventRouterTests : IDisposable
{
    private readonly WorkQueue _externalSecrets = new(ControllerResources.ExternalSecretKind, new ManualTimeProvider());
    private readonly WorkQueue _stores = new(ControllerResources.SecretStoreKind, new ManualTimeProvider());
    private readonly WorkQueue _clusterStores = new(ControllerResources.ClusterSecretStoreKind, new ManualTimeProvider());
    private readonly EventRouter _router;

    public EventRouterTests()
    {
        _router = new EventRouter(new Dictionary<string, WorkQueue>
        {
            [_externalSecrets.Kind] = _externalSecrets,
            [_stores.Kind] = _stores,
            [_clusterStores.Kind] = _clusterStores,
        });
    }

    [Fact]
    public async Task StoreBecomingReady_QueuesItselfOnlyOnSpecChange_AndTheExternalSecretsThatUseIt()
    {
        Add(ControllerResources.ExternalSecretKind, Es("team-a", "uses-vault", "vault"));
        Add(ControllerResources.ExternalSecretKind, Es("team-a", "uses-other", "other"));
        Add(ControllerResources.ExternalSecretKind, Es("team-b", "same-name-elsewhere", "vault"));
        Add(ControllerResources.ExternalSecretKind, Es("team-a", "per-item", "other", itemStore: "vault"));
        await DrainAsync(_externalSecrets);
        var notReady = Cached(ControllerResources.SecretStoreKind, ControllerTestContext.Store("SecretStore", "vault", ready: "False"), "team-a");
        _router.OnChange(new ObjectChange(ControllerResources.SecretStoreKind, null, notReady));
        await DrainAsync(_stores);
        await DrainAsync(_externalSecrets);

        var ready = Cached(ControllerResources.SecretStoreKind, ControllerTestContext.Store("SecretStore", "vault", ready: "True"), "team-a", rv: "2");
        _router.OnChange(new ObjectChange(ControllerResources.SecretStoreKind, notReady, ready));

        _stores.Depth.Should().Be(0, "its own status write is not a reason to validate it again");
        (await DrainAsync(_externalSecrets)).Select(k => k.Name).Should().BeEquivalentTo("uses-vault", "per-item");
    }

    [Fact]
    public async Task ClusterStoreChange_QueuesExternalSecretsInEveryNamespaceThatReferenceItByKind()
    {
        Add(ControllerResources.ExternalSecretKind, Es("team-a", "a", "shared", kind: "ClusterSecretStore"));
        Add(ControllerResources.ExternalSecretKind, Es("team-b", "b", "shared", kind: "ClusterSecretStore"));
        Add(ControllerResources.ExternalSecretKind, Es("team-c", "namespaced-of-same-name", "shared"));
        await DrainAsync(_externalSecrets);

        _router.OnChange(new ObjectChange(ControllerResources.ClusterSecretStoreKind, null, Cached(ControllerResources.ClusterSecretStoreKind, ControllerTestContext.Store("ClusterSecretStore", "shared"), null)));

        (await DrainAsync(_clusterStores)).Should().Equal(new ObjectKey(null, "shared"));
        (await DrainAsync(_externalSecrets)).Select(k => k.ToString()).Should().BeEquivalentTo("team-a/a", "team-b/b");
    }

    [Fact]
    public async Task ExternalSecretRetargeted_TheOldSecretNameNoLongerQueuesIt()
    {
        var before = Es("team-a", "app", "vault", target: "old");
        Add(ControllerResources.ExternalSecretKind, before);
        var after = Cached(ControllerResources.ExternalSecretKind, ControllerTestContext.ExternalSecret("app", generation: 2, target: "new"), "team-a", rv: "2");
        _router.OnChange(new ObjectChange(ControllerResources.ExternalSecretKind, before, after));
        await DrainAsync(_externalSecrets);

        _router.OnChange(new ObjectChange(ControllerResources.SecretKind, null, Secret("team-a", "old")));
        _externalSecrets.Depth.Should().Be(0);
        _router.OnChange(new ObjectChange(ControllerResources.SecretKind, null, Secret("team-a", "new")));
        (await DrainAsync(_externalSecrets)).Should().Equal(new ObjectKey("team-a", "app"));
    }

    [Fact]
    public async Task ExternalSecretFinalizerOrDeletionTimestampChange_IsQueued()
    {
        var es = Es("team-a", "app", "vault");
        Add(ControllerResources.ExternalSecretKind, es);
        await DrainAsync(_externalSecrets);

        _router.OnChange(new ObjectChange(ControllerResources.ExternalSecretKind, es, es with { ResourceVersion = "9", Finalizers = ["externalsecrets.external-secrets.io/externalsecret-cleanup"] }));
        (await DrainAsync(_externalSecrets)).Should().HaveCount(1);
        _router.OnChange(new ObjectChange(ControllerResources.ExternalSecretKind, es, es with { ResourceVersion = "10", DeletionTimestamp = "2026-03-01T12:00:00Z" }));
        (await DrainAsync(_externalSecrets)).Should().HaveCount(1);
    }

    public void Dispose()
    {
        _externalSecrets.Dispose();
        _stores.Dispose();
        _clusterStores.Dispose();
    }

    private void Add(string kind, CachedObject obj) => _router.OnChange(new ObjectChange(kind, null, obj));

    private static CachedObject Es(string ns, string name, string store, string kind = "SecretStore", string? target = null, string? itemStore = null)
    {
        var es = ControllerTestContext.ExternalSecret(name, target: target, store: store, storeKind: kind);
        if (itemStore is not null)
        {
            es["spec"]!["data"]![0]!["sourceRef"] = new JsonObject { ["storeRef"] = new JsonObject { ["name"] = itemStore } };
        }

        return Cached(ControllerResources.ExternalSecretKind, es, ns);
    }

    private static CachedObject Secret(string ns, string name) =>
        Cached(ControllerResources.SecretKind, ControllerTestContext.ManagedSecret(name), ns);

    private static CachedObject Cached(string kind, JsonObject obj, string? ns, string rv = "1")
    {
        obj["metadata"]!["namespace"] = ns;
        obj["metadata"]!["resourceVersion"] = rv;
        var watched = System.Text.Json.JsonSerializer.Deserialize(obj.ToJsonString(), WatchJsonContext.Default.WatchedObject)!;
        return CachedObject.From(watched, kind, clusterScoped: ns is null);
    }

    private static async Task<List<ObjectKey>> DrainAsync(WorkQueue queue)
    {
        var keys = new List<ObjectKey>();
        while (queue.Depth > 0)
        {
            using var timeout = new CancellationTokenSource(ControllerTestContext.Wait);
            var key = await queue.TakeAsync(timeout.Token);
            queue.Done(key);
            keys.Add(key);
        }

        return keys;
    }
}
