using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Csi;

public sealed class ConcurrencyAndRestartTests
{
    [Fact]
    public async Task Publish_SixteenVolumesInParallel_AllMountedWithTheirFiles()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "shared-value");
        driver.WriteClass("app", "local", "- objectName: a");
        var targets = Enumerable.Range(0, 16).Select(i => driver.TargetPath($"pod-{i}")).ToList();

        await Task.WhenAll(targets.Select((t, i) => driver.Client.PublishAsync(CsiClient.PublishRequest(t, volumeId: $"vol-{i}"))));

        targets.Should().AllSatisfy(t =>
        {
            Volume.MountCount(t).Should().Be(1);
            Volume.Read(t, "a").Should().Be("shared-value");
        });
        Directory.GetFiles(driver.StateDir).Should().HaveCount(16);
    }

    [Fact]
    public async Task Publish_SameVolumeConcurrently_OneMountAndConsistentFiles()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "value");
        driver.WriteClass("app", "local", "- objectName: a");
        var target = driver.TargetPath();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => driver.Client.PublishAsync(CsiClient.PublishRequest(target))));

        Volume.MountCount(target).Should().Be(1);
        Volume.Files(target).Should().Equal("a");
        Directory.GetFileSystemEntries(target).Should().HaveCount(3, "..data, one payload dir and one visible link");
    }

    [Fact]
    public async Task PublishAndUnpublish_SameVolumeInterleaved_EndsConsistent()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "value");
        driver.WriteClass("app", "local", "- objectName: a");
        var target = driver.TargetPath();
        var request = CsiClient.PublishRequest(target);

        var calls = Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? (Func<Task>)(() => driver.Client.PublishAsync(request))
            : () => driver.Client.UnpublishAsync("csi-vol-1", target));
        await Task.WhenAll(calls.Select(c => c()));

        var mounted = Volume.MountCount(target);
        mounted.Should().BeLessThanOrEqualTo(1);
        var recorded = Directory.GetFiles(driver.StateDir).Length;
        recorded.Should().Be(mounted, "the registry records a volume exactly when it is mounted");
        if (mounted == 1)
        {
            Volume.Read(target, "a").Should().Be("value");
        }
        else
        {
            Directory.Exists(target).Should().BeFalse();
        }
    }

    [Fact]
    public async Task Restart_StateReloaded_VanishedMountsDroppedAndLiveOnesKept()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "value");
        driver.WriteClass("app", "local", "- objectName: a");
        var kept = driver.TargetPath("pod-kept");
        var lost = driver.TargetPath("pod-lost");
        await driver.Client.PublishAsync(CsiClient.PublishRequest(kept, volumeId: "vol-kept"));
        await driver.Client.PublishAsync(CsiClient.PublishRequest(lost, volumeId: "vol-lost"));
        var keptPayload = Volume.DataLink(kept);

        CsiDriver.Mounting.Libc.Umount2(lost, 0).Should().Be(0); // e.g. the node rebooted that pod away
        await driver.RestartAsync();

        Directory.GetFiles(driver.StateDir).Should().HaveCount(1);
        driver.Logs.AllText.Should().Contain("vol-lost").And.Contain("no longer mounted");
        await driver.Client.PublishAsync(CsiClient.PublishRequest(kept, volumeId: "vol-kept"));
        Volume.DataLink(kept).Should().Be(keptPayload, "a republish after restart with unchanged data rewrites nothing");
        await driver.Client.UnpublishAsync("vol-kept", kept);
        Directory.GetFiles(driver.StateDir).Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_WithTokensAndNodePublishSecret_NeitherReachesStateDirNorLogs()
    {
        const string token = "eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-PAYLOAD.sig";
        const string credential = "NODE-PUBLISH-SECRET-VALUE";
        const string value = "FILE-SECRET-VALUE";
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", value);
        driver.WriteClass("app", "local", "- objectName: a");
        var request = CsiClient.PublishRequest(driver.TargetPath(), extraContext: new Dictionary<string, string>
        {
            ["csi.storage.k8s.io/serviceAccount.tokens"] = $"{{\"vault\":{{\"token\":\"{token}\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}}}",
        });
        request.Secrets.Add("password", credential);

        await driver.Client.PublishAsync(request);
        File.Delete(Path.Combine(driver.StoreRoot, "a"));
        await CsiClient.FailsAsync(() => driver.Client.PublishAsync(request));

        var state = string.Concat(Directory.GetFiles(driver.StateDir).Select(File.ReadAllText));
        state.Should().Contain("csi-vol-1");
        foreach (var secret in new[] { token, "SECRET-TOKEN-PAYLOAD", credential, value })
        {
            state.Should().NotContain(secret);
            driver.Logs.AllText.Should().NotContain(secret);
        }
    }
}
