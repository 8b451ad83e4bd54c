using System.Net;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Rotation;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>List+watch through real HTTP to the fake API server: events, routing, relists, reconnects, label selection.</summary>
public sealed class InformerTests
{
    private const string Ns = "team-a";

    [Fact]
    public async Task ExternalSecret_AddedModifiedDeleted_ReachTheQueue_StatusOnlyUpdateDoesNot()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        using var api = ctx.Api();
        using var queue = new WorkQueue(ControllerResources.ExternalSecretKind, TimeProvider.System);
        var router = new EventRouter(new Dictionary<string, WorkQueue> { [queue.Kind] = queue });
        var informer = ControllerTestContext.Informer(api, ControllerResources.ExternalSecrets(null), router.OnChange, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(ControllerTestContext.Wait);
        var key = new ObjectKey(Ns, "db");

        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("db"));
        (await TakeAsync(queue)).Should().Be(key, "ADDED");
        queue.Done(key);

        var withStatus = ControllerTestContext.ExternalSecret("db");
        withStatus["status"] = new System.Text.Json.Nodes.JsonObject { ["refreshTime"] = "2026-03-01T12:00:00Z" };
        var statusRv = ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, withStatus);
        await Eventually.TrueAsync(() => informer.Cache.Get(key)?.ResourceVersion == statusRv, ControllerTestContext.Wait, "the status update reached the cache");
        queue.Depth.Should().Be(0, "a status-only update is not a reason to reconcile");

        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("db", generation: 2));
        (await TakeAsync(queue)).Should().Be(key, "MODIFIED with a new generation");
        queue.Done(key);

        var annotated = ControllerTestContext.ExternalSecret("db", generation: 2);
        annotated["metadata"]!["annotations"] = new System.Text.Json.Nodes.JsonObject { ["force-sync"] = "1" };
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, annotated);
        (await TakeAsync(queue)).Should().Be(key, "an annotation change is a force-sync");
        queue.Done(key);

        ctx.Server.Delete(ControllerTestContext.Group, "externalsecrets", Ns, "db").Should().BeTrue();
        (await TakeAsync(queue)).Should().Be(key, "DELETED");
        informer.Cache.Get(key).Should().BeNull();

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ManagedSecretChange_QueuesTheExternalSecretsTargetingIt_InItsNamespaceOnly()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("by-name"));
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("explicit", target: "by-name"));
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("other"));
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", "team-b", ControllerTestContext.ExternalSecret("by-name"));
        using var api = ctx.Api();
        using var queue = new WorkQueue(ControllerResources.ExternalSecretKind, TimeProvider.System);
        var router = new EventRouter(new Dictionary<string, WorkQueue> { [queue.Kind] = queue });
        var externalSecrets = ControllerTestContext.Informer(api, ControllerResources.ExternalSecrets(null), router.OnChange, TimeProvider.System);
        var secrets = ControllerTestContext.Informer(api, ControllerResources.ManagedSecrets(null), router.OnChange, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var runs = new[] { externalSecrets.RunAsync(stop.Token), secrets.RunAsync(stop.Token) };
        await Task.WhenAll(externalSecrets.Synced, secrets.Synced).WaitAsync(ControllerTestContext.Wait);
        await DrainAsync(queue, 4);

        ctx.Server.Put("", "secrets", Ns, ControllerTestContext.ManagedSecret("by-name"));

        var keys = new[] { await TakeAsync(queue), await TakeAsync(queue) };
        keys.Should().BeEquivalentTo([new ObjectKey(Ns, "by-name"), new ObjectKey(Ns, "explicit")]);
        queue.Depth.Should().Be(0, "neither the other ExternalSecret nor the one in team-b targets this Secret");

        await stop.CancelAsync();
        await Task.WhenAll(runs);
    }

    [Fact]
    public async Task Secrets_AreListedAndWatchedByManagedLabel_AnUnmanagedSecretIsNeverCached()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put("", "secrets", Ns, ControllerTestContext.ManagedSecret("listed-unmanaged", managed: false));
        ctx.Server.Put("", "secrets", Ns, ControllerTestContext.ManagedSecret("listed-managed"));
        using var api = ctx.Api();
        var informer = ControllerTestContext.Informer(api, ControllerResources.ManagedSecrets(null), _ => { }, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(ControllerTestContext.Wait);

        ctx.Server.Put("", "secrets", Ns, ControllerTestContext.ManagedSecret("watched-unmanaged", managed: false));
        ctx.Server.Put("", "secrets", Ns, ControllerTestContext.ManagedSecret("watched-managed"));
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey(Ns, "watched-managed")) is not null, ControllerTestContext.Wait, "the managed Secret");

        informer.Cache.Values.Select(o => o.Key.Name).Should().BeEquivalentTo("listed-managed", "watched-managed");

        // Losing the label is leaving the selection: the watch reports it as deleted.
        ctx.Server.Put("", "secrets", Ns, ControllerTestContext.ManagedSecret("watched-managed", managed: false));
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey(Ns, "watched-managed")) is null, ControllerTestContext.Wait, "the unlabelled Secret leaves the cache");

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task BrokenStream_ReconnectsAfterBackoff_FromTheLastResourceVersion_WithoutRelisting()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        using var api = ctx.Api();
        var clock = new ManualTimeProvider();
        var informer = ControllerTestContext.Informer(api, ControllerResources.ExternalSecrets(Ns), _ => { }, clock);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(ControllerTestContext.Wait);
        await Eventually.TrueAsync(() => ctx.Server.ActiveWatches == 1, ControllerTestContext.Wait, "the first watch");

        ctx.Server.BreakWatches().Should().Be(1);
        await Eventually.TrueAsync(() => clock.Pending == 1, ControllerTestContext.Wait, "the informer waits to reconnect");
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("while-away"));
        clock.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey(Ns, "while-away")) is not null, ControllerTestContext.Wait, "the change made while disconnected");
        clock.RequestedDelays.Should().ContainSingle().Which.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(new InformerOptions().InitialBackoff);
        ctx.Server.Requests.Count(r => r.Verb == "list" && r.Resource == "externalsecrets").Should().Be(1, "a reconnect resumes the watch, it does not list again");
        ctx.Server.Requests.Count(r => r.Verb == "watch" && r.Resource == "externalsecrets").Should().Be(2);

        await stop.CancelAsync();
        await run;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompactedResourceVersion_GoneAsEventOrStatus_RelistsAndCatchesUp(bool goneAsHttpStatus)
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("deleted-while-away"));
        using var api = ctx.Api();
        var clock = new ManualTimeProvider();
        var changes = new System.Collections.Concurrent.ConcurrentQueue<ObjectChange>();
        var informer = ControllerTestContext.Informer(api, ControllerResources.ExternalSecrets(null), changes.Enqueue, clock);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(ControllerTestContext.Wait);
        await Eventually.TrueAsync(() => ctx.Server.ActiveWatches == 1, ControllerTestContext.Wait, "the first watch");

        ctx.Server.BreakWatches();
        await Eventually.TrueAsync(() => clock.Pending == 1, ControllerTestContext.Wait, "the informer waits to reconnect");
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("added-while-away"));
        ctx.Server.Delete(ControllerTestContext.Group, "externalsecrets", Ns, "deleted-while-away");
        ctx.Server.CompactWatchHistory();
        if (goneAsHttpStatus)
        {
            ctx.Server.FailNext(r => r.Verb == "watch", 1, HttpStatusCode.Gone, reason: "Expired");
        }

        clock.Advance(TimeSpan.FromSeconds(1));

        // Changes are reported once the whole list is applied; the cache is read while the relist fills it, so wait on them.
        await Eventually.TrueAsync(
            () => changes.Any(c => c.New == null && c.Old!.Key.Name == "deleted-while-away"), ControllerTestContext.Wait, "the relist reports the deletion it missed");
        informer.Cache.Get(new ObjectKey(Ns, "added-while-away")).Should().NotBeNull("the relist");
        informer.Cache.Get(new ObjectKey(Ns, "deleted-while-away")).Should().BeNull();
        ctx.Server.Requests.Count(r => r.Verb == "list" && r.Resource == "externalsecrets").Should().Be(2);

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Bookmark_MovesTheResumePointForward_SoAReconnectAfterCompactionNeedsNoRelist()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        using var api = ctx.Api();
        var clock = new ManualTimeProvider();
        var informer = ControllerTestContext.Informer(api, ControllerResources.ExternalSecrets(null), _ => { }, clock);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(ControllerTestContext.Wait);
        await Eventually.TrueAsync(() => ctx.Server.ActiveWatches == 1, ControllerTestContext.Wait, "the first watch");

        // Changes elsewhere move the store's resourceVersion past what this watch has seen...
        ctx.Server.Put("", "configmaps", Ns, Kubernetes.FakeKubeApiServer.ConfigMap("unrelated", new Dictionary<string, string> { ["a"] = "b" }));
        var bookmark = ctx.Server.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ctx.Server.SendBookmarks();
        await Eventually.TrueAsync(() => informer.LastSyncResourceVersion == bookmark, ControllerTestContext.Wait, "the bookmark's resourceVersion");
        ctx.Server.CompactWatchHistory();
        ctx.Server.BreakWatches();
        await Eventually.TrueAsync(() => clock.Pending == 1, ControllerTestContext.Wait, "the informer waits to reconnect");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => ctx.Server.ActiveWatches == 1, ControllerTestContext.Wait, "the second watch");

        // ...and the bookmark let it resume from there, so the compaction did not force a relist.
        ctx.Server.Requests.Count(r => r.Verb == "list").Should().Be(1, string.Join("; ", ctx.Server.Requests.Select(r => $"{r.Verb} {r.Resource} {r.Status}")) + " delays " + string.Join(",", clock.RequestedDelays));

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task WatchEndedByTheServer_ReconnectsAtOnceFromTheLastResourceVersion_NoBackoffNoRelist()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        using var api = ctx.Api();
        var clock = new ManualTimeProvider();
        var informer = ControllerTestContext.Informer(api, ControllerResources.ExternalSecrets(Ns), _ => { }, clock, new InformerOptions { MinWatchTimeout = TimeSpan.FromSeconds(1) });
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(ControllerTestContext.Wait);
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("first"));

        // timeoutSeconds=1 (1 s x 1.5 truncated): the server ends each watch cleanly after a second.
        await Eventually.TrueAsync(() => ctx.Server.Requests.Count(r => r.Verb == "watch") >= 3, ControllerTestContext.Wait, "two clean ends and reconnects");
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ControllerTestContext.ExternalSecret("second"));
        await Eventually.TrueAsync(() => informer.Cache.Count == 2, ControllerTestContext.Wait, "changes after the reconnects");

        clock.RequestedDelays.Should().BeEmpty("a watch the server ended on schedule is not a failure");
        ctx.Server.Requests.Count(r => r.Verb == "list").Should().Be(1);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task List_Forbidden_RetriesWithBackoff_AndIsNotSynced()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.AddToken("weak-token", "weak");
        ctx.Server.Allow("weak", new Kubernetes.FakeRule(ControllerTestContext.Group, "externalsecrets", ["get"]));
        using var api = ctx.Api("weak-token");
        var clock = new ManualTimeProvider();
        var informer = ControllerTestContext.Informer(api, ControllerResources.ExternalSecrets(null), _ => { }, clock);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await Eventually.TrueAsync(() => clock.Pending == 1, ControllerTestContext.Wait, "a backoff after the failed list");

        informer.Synced.IsCompleted.Should().BeFalse();
        await stop.CancelAsync();
        await run;
    }

    private static async Task<ObjectKey> TakeAsync(WorkQueue queue)
    {
        using var timeout = new CancellationTokenSource(ControllerTestContext.Wait);
        return await queue.TakeAsync(timeout.Token);
    }

    private static async Task DrainAsync(WorkQueue queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            queue.Done(await TakeAsync(queue));
        }
    }
}
