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
        driver.Reconciler.IsWaiting.Should().BeFalse("no loop runs with rotation off");
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
        CsiDriver.Mounting.Libc.Umount2(target, CsiDriver.Mounting.Libc.MNT_DETACH);
        Volume.IsTmpfsMount(target).Should().BeFalse();

        await driver.Client.PublishAsync(request);

        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Read(target, "a").Should().Be("1");
    }
}
