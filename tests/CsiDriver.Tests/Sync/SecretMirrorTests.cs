using System.Text;
using CsiDriver.Kubernetes;
using CsiDriver.Mounting;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.Sync;
using CsiDriver.Tests.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Sync;

/// <summary>The mirror as the publish pipeline calls it, against the loopback API, with time under the test's control.</summary>
public sealed class SecretMirrorTests
{
    private const string Value = "mirror-test-value-42";

    private static readonly SecretProviderClass Spc = new()
    {
        Name = "db",
        Namespace = "app",
        Provider = "local",
        SecretObjects = [new SecretObjectSpec { SecretName = "db-env", Data = [new SecretObjectData("password", "PASSWORD")] }],
    };

    private static readonly PublishRequest Request = new(
        "csi-vol-1", "/var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi/secrets/mount", "db",
        new PodIdentity("web-0", "app", "uid-1", "web", ServiceAccountTokens.None),
        new Dictionary<string, string>(), new Dictionary<string, string>(), null);

    private static readonly PublishOutcome Outcome = new(
        WriteOutcome.Written, [new ObjectVersion("password", "1")], "local", [new SecretFile("password", Encoding.UTF8.GetBytes(Value))]);

    private static async Task<SecretMirror> MirrorAsync(KubeTestContext ctx, TimeProvider time, TimeSpan? budget = null)
    {
        await new PodStatusWriter(ctx.Client, "node-1", NullLogger<PodStatusWriter>.Instance).OnPublishedAsync(Request, Spc, Outcome, CancellationToken.None);
        var events = new PodEventRecorder(ctx.Client, "node-1", time, NullLogger<PodEventRecorder>.Instance);
        return new SecretMirror(ctx.Client, events, time, NullLogger<SecretMirror>.Instance, budget ?? SecretMirror.DefaultBudget);
    }

    [Fact]
    public async Task SecretDeletedBehindOurBack_IsRecreatedOnceTheVerifyIntervalHasPassed()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var time = new ManualTime();
        var mirror = await MirrorAsync(ctx, time);
        await mirror.OnPublishedAsync(Request, Spc, Outcome, CancellationToken.None);
        ctx.Server.Get("", "secrets", "app", "db-env").Should().NotBeNull();

        // Someone deletes it; within the interval the driver trusts its last write and makes no call.
        await RemoveSecretAsync(ctx);
        var calls = ctx.Server.Requests.Count;
        await mirror.OnPublishedAsync(Request, Spc, Outcome, CancellationToken.None);
        ctx.Server.Requests.Count.Should().Be(calls);

        time.Advance(SecretMirror.VerifyInterval);
        await mirror.OnPublishedAsync(Request, Spc, Outcome, CancellationToken.None);

        ctx.Server.Get("", "secrets", "app", "db-env").Should().NotBeNull("the Secret itself is the source of truth, re-read after the interval");
    }

    [Fact]
    public async Task ApiHangs_SyncGivesUpWithinItsBudget_WarningEventAndNoThrow()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var mirror = await MirrorAsync(ctx, TimeProvider.System, budget: TimeSpan.FromSeconds(1));
        ctx.Server.HangNext(r => r.Resource == "secrets", 10);

        await mirror.OnPublishedAsync(Request, Spc, Outcome, CancellationToken.None);

        var message = ctx.Server.List("", "events", "app").Should().ContainSingle().Subject["message"]!.GetValue<string>();
        message.Should().Contain("app/db").And.Contain("db-env").And.Contain("did not finish");
    }

    [Fact]
    public async Task DigestIsKeyed_SameDataDifferentKeysDiffer_AndToStringHidesData()
    {
        var desired = new DesiredSecret("s", "Opaque", new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, byte[]> { ["k"] = Encoding.UTF8.GetBytes(Value) });

        desired.Digest(new byte[32]).Should().NotEqual(desired.Digest(Enumerable.Repeat((byte)1, 32).ToArray()));
        desired.Digest(new byte[32]).Should().Equal(desired.Digest(new byte[32]));
        desired.ToString().Should().NotContain(Value);
        Outcome.ToString().Should().NotContain(Value);
        await Task.CompletedTask;
    }

    private static async Task RemoveSecretAsync(KubeTestContext ctx)
    {
        // As a user would: a DELETE through the API (the driver's test identity may do anything).
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        http.DefaultRequestHeaders.Authorization = new("Bearer", KubeTestContext.DriverToken);
        using var response = await http.DeleteAsync(new Uri(ctx.Server.Url, "/api/v1/namespaces/app/secrets/db-env"));
        response.EnsureSuccessStatusCode();
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
