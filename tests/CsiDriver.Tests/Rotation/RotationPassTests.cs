using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Rotation;

public sealed class RotationPassTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Pass_OneObjectChanged_RewritesThatVolumeAtomicallyAndLeavesTheOtherUntouched()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("db/password", "v1");
        driver.WriteStoreFile("api-key", "k1");
        driver.WriteClass("db", "local", "- objectName: db/password");
        driver.WriteClass("api", "local", "- objectName: api-key");
        var db = await driver.PublishAsync("vol-db", "db", "pod-db");
        var api = await driver.PublishAsync("vol-api", "api", "pod-api");
        var dbPayload = Volume.DataLink(db);
        var apiPayload = Volume.DataLink(api);
        var apiFile = new FileInfo(Volume.RealPath(api, "api-key"));
        var apiWritten = apiFile.LastWriteTimeUtc;

        driver.WriteStoreFile("db/password", "v2");
        var pass = await driver.NextPassAsync(Poll);

        pass.Fetched.Should().Be(2);
        pass.Rotated.Should().Be(1);
        Volume.Read(db, "db/password").Should().Be("v2");
        Volume.DataLink(db).Should().NotBe(dbPayload);
        Directory.Exists(Path.Combine(db, dbPayload!)).Should().BeFalse("the old payload is swept after the swap");
        Volume.DataLink(api).Should().Be(apiPayload, "an unchanged volume is not written");
        new FileInfo(Volume.RealPath(api, "api-key")).LastWriteTimeUtc.Should().Be(apiWritten);
        Volume.Read(api, "api-key").Should().Be("k1");
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"local\",os_type=\"linux\",rotated=\"true\"}").Should().Be(1);
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"local\",os_type=\"linux\",rotated=\"false\"}").Should().Be(1);
        driver.Metrics.Registry.Render().Should().Contain("csi_secrets_store_rotation_pass_duration_seconds_count 1")
            .And.Contain("rotation_reconcile_duration_sec_count{os_type=\"linux\"} 2");
    }

    [Fact]
    public async Task Pass_ReaderLoopingDuringRotation_NeverSeesAMixOfOldAndNew()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("user", "user-1");
        driver.WriteStoreFile("pass", "pass-1");
        driver.WriteClass("app", "local", "- objectName: user\n- objectName: pass");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1");
        using var stop = new CancellationTokenSource();
        var mixes = 0;
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // Through ..data once, as a reader that opens the directory would.
                    var data = Path.Combine(target, Volume.DataLink(target)!);
                    var user = File.ReadAllText(Path.Combine(data, "user"));
                    var pass = File.ReadAllText(Path.Combine(data, "pass"));
                    if (user[^1] != pass[^1])
                    {
                        Interlocked.Increment(ref mixes);
                    }

                    Interlocked.Increment(ref reads);
                }
                catch (IOException)
                {
                    // The old payload was swept between resolving ..data and opening: a retry sees the new set.
                }
            }
        });

        for (var version = 2; version <= 6; version++)
        {
            driver.WriteStoreFile("user", $"user-{version}");
            driver.WriteStoreFile("pass", $"pass-{version}");
            (await driver.NextPassAsync(Poll)).Rotated.Should().Be(1);
        }

        await stop.CancelAsync();
        await reader;
        reads.Should().BePositive();
        mixes.Should().Be(0);
        Volume.Read(target, "user").Should().Be("user-6");
    }

    [Fact]
    public async Task Pass_BeforeIntervalElapsed_DoesNotFetch()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "interval: 10m");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1");
        driver.WriteStoreFile("a", "2");

        var early = await driver.NextPassAsync(TimeSpan.FromMinutes(5));
        early.NotDue.Should().Be(1);
        Volume.Read(target, "a").Should().Be("1");

        var due = await driver.NextPassAsync(TimeSpan.FromMinutes(5));
        due.Rotated.Should().Be(1);
        Volume.Read(target, "a").Should().Be("2");
    }

    [Fact]
    public async Task Loop_ClassIntervalShorterThanPoll_PassesFollowTheClassInterval()
    {
        await using var driver = await RotationDriver.StartAsync(o => o.PollInterval = TimeSpan.FromMinutes(10));
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "interval: 30s");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1");

        // The first pause is the poll interval; after a pass has seen the class, pauses follow its 30s.
        (await driver.NextPassAsync(TimeSpan.FromMinutes(10))).Fetched.Should().Be(1);
        driver.WriteStoreFile("a", "2");
        (await driver.NextPassAsync(TimeSpan.FromSeconds(30))).Rotated.Should().Be(1);
        Volume.Read(target, "a").Should().Be("2");
    }

    [Fact]
    public async Task Unpublish_RemovesTheVolumeFromLaterPasses()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1");
        await driver.Client.UnpublishAsync("vol-1", target);
        driver.WriteStoreFile("a", "2");

        var pass = await driver.NextPassAsync(Poll);

        pass.Volumes.Should().Be(0);
        Directory.Exists(target).Should().BeFalse("rotation never mounts a volume again");
    }
}
