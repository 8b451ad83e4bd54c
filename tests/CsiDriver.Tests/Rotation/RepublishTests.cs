using Grpc.Core;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Rotation;

public sealed class RepublishTests
{
    [Fact]
    public async Task KubeletRepublish_RotationOnAndNothingDue_AnswersWithoutABackendCall()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        api.AddPodToken("tok-1", "default", "app-sa");
        api.PutSecret("default", "db", new() { ["password"] = "v1" });
        await using var driver = await RotationDriver.StartAsync(api: api);
        driver.WriteClass("app", "kubernetes", "- objectName: db/password");
        var request = driver.Request("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-1", TimeSpan.FromHours(1)));
        await driver.Client.PublishAsync(request);
        var target = driver.TargetPath("pod-1");
        api.Reads("default", "app-sa", "db").Should().Be(1);
        api.PutSecret("default", "db", new() { ["password"] = "v2" });

        driver.Clock.Advance(TimeSpan.FromMinutes(1));
        await driver.Client.PublishAsync(request);
        api.Reads("default", "app-sa", "db").Should().Be(1, "a republish before the interval is answered from the mount");
        Volume.Read(target, "db/password").Should().Be("v1");
        driver.Metrics.Registry.Render().Should().Contain("node_publish_total{provider=\"kubernetes\",os_type=\"linux\"} 2");

        driver.Clock.Advance(TimeSpan.FromMinutes(1));
        await driver.Client.PublishAsync(request);
        api.Reads("default", "app-sa", "db").Should().Be(2, "the interval has passed");
        Volume.Read(target, "db/password").Should().Be("v2");
    }

    [Fact]
    public async Task KubeletRepublish_RefreshAnnotationChanged_RefetchesAtOnce()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "interval: 1h");
        var request = driver.Request("vol-1", "app", "pod-1");
        await driver.Client.PublishAsync(request);
        driver.WriteStoreFile("a", "2");

        await driver.Client.PublishAsync(request);
        Volume.Read(driver.TargetPath("pod-1"), "a").Should().Be("1");

        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "interval: 1h", refresh: "1");
        await driver.Client.PublishAsync(request);
        Volume.Read(driver.TargetPath("pod-1"), "a").Should().Be("2");
    }

    [Fact]
    public async Task KubeletRepublish_RotationOff_RefetchesEveryTimeButWritesOnlyChanges()
    {
        await using var driver = await RotationDriver.StartAsync(enabled: false);
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a");
        var request = driver.Request("vol-1", "app", "pod-1");
        await driver.Client.PublishAsync(request);
        var target = driver.TargetPath("pod-1");
        var payload = Volume.DataLink(target);

        await driver.Client.PublishAsync(request);
        Volume.DataLink(target).Should().Be(payload);
        driver.Metrics.Registry.Render().Should().Contain("csi_secrets_store_backend_calls_total{provider=\"local\",call=\"read\"} 2");

        driver.WriteStoreFile("a", "2");
        await driver.Client.PublishAsync(request);
        Volume.Read(target, "a").Should().Be("2");
        driver.Loop.EverSlept.Should().BeFalse("no loop runs with rotation off");
    }

    [Fact]
    public async Task KubeletRepublish_TargetUnmountedBehindOurBack_PublishesAgainEvenIfNotDue()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a");
        var request = driver.Request("vol-1", "app", "pod-1");
        await driver.Client.PublishAsync(request);
        var target = driver.TargetPath("pod-1");
        CsiDriver.Mounting.Libc.Umount2(target, TestDirectory.MntDetach);
        Volume.IsTmpfsMount(target).Should().BeFalse();

        await driver.Client.PublishAsync(request);

        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Read(target, "a").Should().Be("1");
    }
}

/// <summary>Kubelet's republish and the rotation loop are two callers of one pipeline; these pin down how they meet.</summary>
public sealed class RepublishAndPassTests
{
    [Fact]
    public async Task KubeletRepublish_Refetched_CountsAsAReconcileLikeUpstream()
    {
        await using var driver = await RotationDriver.StartAsync(enabled: false);
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a");
        var request = driver.Request("vol-1", "app", "pod-1");
        await driver.Client.PublishAsync(request);
        driver.Metrics.Registry.Render().Should().NotContain("rotation_reconcile_total{", "a first publish is not a reconcile");

        await driver.Client.PublishAsync(request);
        driver.WriteStoreFile("a", "2");
        await driver.Client.PublishAsync(request);
        File.Delete(driver.WriteStoreFile("a", "gone"));
        (await CsiClient.FailsAsync(() => driver.Client.PublishAsync(request))).StatusCode.Should().Be(StatusCode.NotFound);

        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"local\",os_type=\"linux\",rotated=\"false\"}").Should().Be(1);
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"local\",os_type=\"linux\",rotated=\"true\"}").Should().Be(1);
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_error_total{provider=\"local\",error_type=\"NotFound\",os_type=\"linux\",rotated=\"false\"}").Should().Be(1);
        driver.Metrics.Registry.Render().Should().Contain("rotation_reconcile_duration_sec_count{os_type=\"linux\"} 3");
    }

    [Fact]
    public async Task KubeletRepublish_NothingDue_NotCountedAsAReconcile()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a");
        var request = driver.Request("vol-1", "app", "pod-1");
        await driver.Client.PublishAsync(request);

        await driver.Client.PublishAsync(request);

        driver.Metrics.Registry.Render().Should().Contain("node_publish_total{provider=\"local\",os_type=\"linux\"} 2")
            .And.NotContain("rotation_reconcile_total{");
    }

    [Fact]
    public async Task KubeletRepublish_ArrivesWhileAPassFetchesTheVolume_WaitsAndThenSkipsTheBackend()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        await using var driver = await StartWithDueVolumeAsync(api);
        var request = driver.Request("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-1", TimeSpan.FromHours(2)));
        var target = driver.TargetPath("pod-1");

        api.Hold();
        var pass = driver.Reconciler.RunPassAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => api.InFlight == 1, because: "the pass to be reading the secret");
        var republish = driver.Client.PublishAsync(request);
        await Eventually.TrueAsync(() => LockWaitersIs(driver, 1), because: "the republish to wait for the volume");
        api.Release();
        var result = await pass;
        await republish;

        result.Rotated.Should().Be(1);
        api.Reads("default", "app-sa", "db").Should().Be(1, "the republish finds the volume just fetched");
        Volume.Read(target, "db/password").Should().Be("v2");
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"kubernetes\",os_type=\"linux\",rotated=\"true\"}").Should().Be(1, "the skipped republish is not a reconcile");
        api.Events.Where(e => e.Reason == "MountRotationComplete").Should().ContainSingle();
    }

    [Fact]
    public async Task Pass_ReachesAVolumeKubeletIsRepublishing_WaitsAndThenFindsItNotDue()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        await using var driver = await StartWithDueVolumeAsync(api);
        var request = driver.Request("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-1", TimeSpan.FromHours(2)));
        var target = driver.TargetPath("pod-1");

        api.Hold();
        var republish = driver.Client.PublishAsync(request);
        await Eventually.TrueAsync(() => api.InFlight == 1, because: "the republish to be reading the secret");
        var pass = driver.Reconciler.RunPassAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => LockWaitersIs(driver, 1), because: "the pass to wait for the volume");
        api.Release();
        await republish;
        var result = await pass;

        result.NotDue.Should().Be(1, "kubelet's republish fetched it while the pass waited");
        result.Fetched.Should().Be(0);
        api.Reads("default", "app-sa", "db").Should().Be(1);
        Volume.Read(target, "db/password").Should().Be("v2");
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"kubernetes\",os_type=\"linux\",rotated=\"true\"}").Should().Be(1, "the republish rotated it");
    }

    /// <summary>Calls queued behind another on a volume, as /metrics shows them.</summary>
    private static bool LockWaitersIs(RotationDriver driver, int count) =>
        driver.Metrics.Registry.Render().Contains($"csi_secrets_store_volume_lock_waiters {count}\n", StringComparison.Ordinal);

    /// <summary>
    /// One published volume (db/password v1) whose class interval (2 min) has passed since, with v2 at the backend
    /// and read counts reset. The loop sleeps for its poll interval (1 h) first, so only the test starts passes.
    /// </summary>
    private static async Task<RotationDriver> StartWithDueVolumeAsync(LoopbackSecretsApi api)
    {
        api.AddPodToken("tok-1", "default", "app-sa");
        api.PutSecret("default", "db", new() { ["password"] = "v1" });
        var driver = await RotationDriver.StartAsync(o => o.PollInterval = TimeSpan.FromHours(1), api);
        driver.WriteClass("app", "kubernetes", "- objectName: db/password", rotationYaml: "interval: 2m");
        await driver.Client.PublishAsync(driver.Request("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-1", TimeSpan.FromHours(2))));
        api.PutSecret("default", "db", new() { ["password"] = "v2" });
        driver.Clock.Advance(TimeSpan.FromMinutes(3));
        api.ResetCounts();
        return driver;
    }
}
