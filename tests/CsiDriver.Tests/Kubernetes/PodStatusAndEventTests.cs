using System.Net;
using CsiDriver.Kubernetes;
using CsiDriver.Mounting;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Kubernetes;

public sealed class PodStatusAndEventTests
{
    private const string Group = FakeKubeApiServer.SpcGroup;
    private const string Resource = "secretproviderclasspodstatuses";
    private const string StatusName = "web-0-app-db-creds";

    private static readonly SecretProviderClass Spc = new() { Name = "db-creds", Namespace = "app", Provider = "vault" };

    private static PublishRequest Request(string uid = "uid-1") => new(
        "csi-vol-1",
        "/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi/secrets/mount",
        "db-creds",
        new PodIdentity("web-0", "app", uid, "web", ServiceAccountTokens.None),
        new Dictionary<string, string>(),
        new Dictionary<string, string>(),
        null);

    private static PublishOutcome Outcome(params (string Id, string Version)[] versions) =>
        new(WriteOutcome.Written, versions.Select(v => new ObjectVersion(v.Id, v.Version)).ToList(), "vault");

    private static PodStatusWriter Writer(KubeTestContext ctx) => new(ctx.Client, "node-1", NullLogger<PodStatusWriter>.Instance);

    [Fact]
    public async Task Published_CreatesStatusAsUpstreamNamesLabelsAndOwnsIt()
    {
        await using var ctx = await KubeTestContext.StartAsync();

        await Writer(ctx).OnPublishedAsync(Request(), Spc, Outcome(("b", "2"), ("a", "1")), CancellationToken.None);

        var status = ctx.Server.Get(Group, Resource, "app", StatusName)!;
        status["apiVersion"]!.GetValue<string>().Should().Be("secrets-store.csi.x-k8s.io/v1");
        status["kind"]!.GetValue<string>().Should().Be("SecretProviderClassPodStatus");
        status["metadata"]!["labels"]!["internal.secrets-store.csi.k8s.io/node-name"]!.GetValue<string>().Should().Be("node-1");
        var owner = status["metadata"]!["ownerReferences"]![0]!;
        owner["apiVersion"]!.GetValue<string>().Should().Be("v1");
        owner["kind"]!.GetValue<string>().Should().Be("Pod");
        owner["name"]!.GetValue<string>().Should().Be("web-0");
        owner["uid"]!.GetValue<string>().Should().Be("uid-1");
        owner.AsObject().ContainsKey("controller").Should().BeFalse();
        var body = status["status"]!;
        body["podName"]!.GetValue<string>().Should().Be("web-0");
        body["secretProviderClassName"]!.GetValue<string>().Should().Be("db-creds");
        body["mounted"]!.GetValue<bool>().Should().BeTrue();
        body["targetPath"]!.GetValue<string>().Should().EndWith("/mount");
        body["nodeName"]!.GetValue<string>().Should().Be("node-1");
        body["objects"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()).Should().Equal("a", "b");
    }

    [Fact]
    public async Task Republished_NothingChanged_MakesNoApiCall()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var writer = Writer(ctx);
        await writer.OnPublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);
        var before = ctx.Server.Requests.Count;

        await writer.OnPublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);

        ctx.Server.Requests.Count.Should().Be(before);
    }

    [Fact]
    public async Task Republished_VersionChanged_UpdatesTheStatus()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var writer = Writer(ctx);
        await writer.OnPublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);

        await writer.OnPublishedAsync(Request(), Spc, Outcome(("a", "2")), CancellationToken.None);

        ctx.Server.Get(Group, Resource, "app", StatusName)!["status"]!["objects"]![0]!["version"]!.GetValue<string>().Should().Be("2");
        ctx.Server.Requests.Select(r => r.Verb).Should().Equal("create", "create", "get", "update");
    }

    [Fact]
    public async Task ExistingStatusFromEarlierRun_IsReadAndUpdatedOnlyWhenDifferent()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        await Writer(ctx).OnPublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);

        // A restarted driver has no memory of what it wrote: create (409), read, compare, no update.
        await Writer(ctx).OnPublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);

        ctx.Server.Requests.Select(r => r.Verb).Should().Equal("create", "create", "get");
    }

    [Fact]
    public async Task ConcurrentWriterBetweenReadAndUpdate_IsRetriedOnFreshCopy()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        await Writer(ctx).OnPublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);
        ctx.Server.FailNext(r => r.Verb == "update" && r.Resource == Resource, 1, HttpStatusCode.Conflict, reason: "Conflict");

        await Writer(ctx).OnPublishedAsync(Request(), Spc, Outcome(("a", "2")), CancellationToken.None);

        ctx.Server.Get(Group, Resource, "app", StatusName)!["status"]!["objects"]![0]!["version"]!.GetValue<string>().Should().Be("2");
        ctx.Server.Requests.Count(r => r.Verb == "update").Should().Be(2);
    }

    [Fact]
    public async Task Unpublished_DeletesTheStatus_AndToleratesItBeingGone()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var writer = Writer(ctx);
        await writer.OnPublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);
        var record = new VolumeRecord
        {
            VolumeId = "csi-vol-1", TargetPath = "/t", PodName = "web-0", PodNamespace = "app", PodUid = "uid-1",
            SecretProviderClass = "db-creds", Provider = "vault",
        };

        await writer.OnUnpublishedAsync(record, CancellationToken.None);
        await writer.OnUnpublishedAsync(record, CancellationToken.None);
        await writer.OnUnpublishedAsync(null, CancellationToken.None);

        ctx.Server.Get(Group, Resource, "app", StatusName).Should().BeNull();
    }

    [Fact]
    public async Task Published_WithoutPodUid_LooksUpThePodForTheOwnerReference()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.Put("", "pods", "app", new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "web-0", ["uid"] = "looked-up" } });

        await Writer(ctx).OnPublishedAsync(Request(uid: ""), Spc, Outcome(("a", "1")), CancellationToken.None);

        ctx.Server.Get(Group, Resource, "app", StatusName)!["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>().Should().Be("looked-up");
    }

    [Fact]
    public async Task StatusWriteForbidden_SurfacesToTheObserverRunnerWhichLogsAndMovesOn()
    {
        await using var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);
        var observers = new PublishObservers([Writer(ctx)], NullLogger<PublishObservers>.Instance);

        await observers.PublishedAsync(Request(), Spc, Outcome(("a", "1")), CancellationToken.None);

        ctx.Server.Requests.Should().ContainSingle(r => r.Status == 403);
    }

    [Fact]
    public async Task PublishFailed_RecordsAWarningEventOnThePodWithoutValues()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var recorder = new PodEventRecorder(ctx.Client, "node-1", TimeProvider.System, NullLogger<PodEventRecorder>.Instance);
        var failure = new SecretStoreException(FailureKind.PermissionDenied, "SecretProviderClass app/db-creds: object \"db-password\": vault denied the role 'web'") { Reason = "GRPCProviderError" };

        await recorder.OnPublishFailedAsync(Request(), failure, CancellationToken.None);

        var ev = ctx.Server.List("", "events", "app").Should().ContainSingle().Subject;
        ev["type"]!.GetValue<string>().Should().Be("Warning");
        ev["reason"]!.GetValue<string>().Should().Be("GRPCProviderError");
        ev["message"]!.GetValue<string>().Should().Contain("app/db-creds").And.Contain("db-password");
        ev["involvedObject"]!["kind"]!.GetValue<string>().Should().Be("Pod");
        ev["involvedObject"]!["name"]!.GetValue<string>().Should().Be("web-0");
        ev["involvedObject"]!["uid"]!.GetValue<string>().Should().Be("uid-1");
        ev["source"]!["component"]!.GetValue<string>().Should().Be("csi-secrets-store-controller");
        ev["source"]!["host"]!.GetValue<string>().Should().Be("node-1");
        ev["count"]!.GetValue<int>().Should().Be(1);
        ev["firstTimestamp"]!.GetValue<string>().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$");
    }

    [Fact]
    public async Task PublishFailedRepeatedly_BumpsOneEventsCountInsteadOfFlooding()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var recorder = new PodEventRecorder(ctx.Client, "node-1", TimeProvider.System, NullLogger<PodEventRecorder>.Instance);
        var failure = new SecretStoreException(FailureKind.NotFound, "provider said no");

        for (var i = 0; i < 3; i++)
        {
            await recorder.OnPublishFailedAsync(Request(), failure, CancellationToken.None);
        }

        var ev = ctx.Server.List("", "events", "app").Should().ContainSingle().Subject;
        ev["count"]!.GetValue<int>().Should().Be(3);
        ev["reason"]!.GetValue<string>().Should().Be("FailedToMount");
        ev["message"]!.GetValue<string>().Should().StartWith("SecretProviderClass app/db-creds: provider said no", "the class is named even when the cause did not");
    }

    [Fact]
    public async Task EventApiDown_DoesNotThrow()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.FailNext(r => r.Resource == "events", 100, HttpStatusCode.ServiceUnavailable);
        var recorder = new PodEventRecorder(ctx.Client, "node-1", TimeProvider.System, NullLogger<PodEventRecorder>.Instance);

        await recorder.OnPublishFailedAsync(Request(), new SecretStoreException(FailureKind.NotFound, "x"), CancellationToken.None);

        ctx.Server.List("", "events", "app").Should().BeEmpty();
    }
}
