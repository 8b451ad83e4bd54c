using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Tests.Rotation;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>Which Namespace, ExternalSecret and ClusterExternalSecret changes queue which ClusterExternalSecrets.</summary>
public sealed class ClusterExternalSecretRoutingTests : IDisposable
{
    private readonly WorkQueue _ces = new(ControllerResources.ClusterExternalSecretKind, new ManualTimeProvider());
    private readonly WorkQueue _es = new(ControllerResources.ExternalSecretKind, new ManualTimeProvider());
    private readonly EventRouter _router;

    public ClusterExternalSecretRoutingTests()
    {
        _router = new EventRouter(new Dictionary<string, WorkQueue> { [_ces.Kind] = _ces, [_es.Kind] = _es });
    }

    private static CachedObject Cached(string kind, string name, string? ns, string rv = "1", Dictionary<string, string>? labels = null, long generation = 1)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns, ["resourceVersion"] = rv, ["generation"] = generation };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        var watched = System.Text.Json.JsonSerializer.Deserialize(new JsonObject { ["metadata"] = metadata }.ToJsonString(), WatchJsonContext.Default.WatchedObject)!;
        return CachedObject.From(watched, kind, clusterScoped: ns is null);
    }

    private static async Task<List<ObjectKey>> DrainAsync(WorkQueue queue)
    {
        var keys = new List<ObjectKey>();
        while (queue.Depth > 0)
        {
            using var timeout = new CancellationTokenSource(ControllerTestContext.Wait);
            var key = await queue.TakeAsync(timeout.Token);
            keys.Add(key);
            queue.Done(key);
        }

        return keys;
    }

    [Fact]
    public async Task NamespaceAddedRelabelledDeletedOrExternalSecretDeleted_QueuesEveryClusterExternalSecret_StatusOnlyChangesDoNot()
    {
        _router.OnChange(new ObjectChange(ControllerResources.ClusterExternalSecretKind, null, Cached(ControllerResources.ClusterExternalSecretKind, "one", null)));
        _router.OnChange(new ObjectChange(ControllerResources.ClusterExternalSecretKind, null, Cached(ControllerResources.ClusterExternalSecretKind, "two", null)));
        (await DrainAsync(_ces)).Select(k => k.Name).Should().BeEquivalentTo("one", "two");

        var ns = Cached(ControllerResources.NamespaceKind, "apps", null);
        _router.OnChange(new ObjectChange(ControllerResources.NamespaceKind, null, ns));
        (await DrainAsync(_ces)).Select(k => k.Name).Should().BeEquivalentTo("one", "two");

        var sameLabels = Cached(ControllerResources.NamespaceKind, "apps", null, rv: "2");
        _router.OnChange(new ObjectChange(ControllerResources.NamespaceKind, ns, sameLabels));
        _ces.Depth.Should().Be(0, "a namespace status change selects nothing new");

        var relabelled = Cached(ControllerResources.NamespaceKind, "apps", null, rv: "3", labels: new() { ["env"] = "prod" });
        _router.OnChange(new ObjectChange(ControllerResources.NamespaceKind, sameLabels, relabelled));
        (await DrainAsync(_ces)).Should().HaveCount(2);

        _router.OnChange(new ObjectChange(ControllerResources.NamespaceKind, relabelled, null));
        (await DrainAsync(_ces)).Should().HaveCount(2);

        var es = Cached(ControllerResources.ExternalSecretKind, "db", "apps");
        _router.OnChange(new ObjectChange(ControllerResources.ExternalSecretKind, es, null));
        (await DrainAsync(_ces)).Should().HaveCount(2, "a deleted ExternalSecret may be one a ClusterExternalSecret must recreate");

        _router.OnChange(new ObjectChange(ControllerResources.ClusterExternalSecretKind, Cached(ControllerResources.ClusterExternalSecretKind, "two", null), null));
        await DrainAsync(_ces);
        _router.OnChange(new ObjectChange(ControllerResources.NamespaceKind, null, ns));
        (await DrainAsync(_ces)).Select(k => k.Name).Should().Equal("one");
    }

    public void Dispose()
    {
        _ces.Dispose();
        _es.Dispose();
    }
}
