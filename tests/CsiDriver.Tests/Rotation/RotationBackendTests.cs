using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Rotation;

/// <summary>Rotation against a loopback Kubernetes API read through the kubernetes provider, which counts every read.</summary>
public sealed class RotationBackendTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Pass_VolumesSharingObjectsAndIdentity_EachObjectReadOncePerIdentity()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        for (var i = 0; i < 4; i++)
        {
            api.PutSecret("default", $"s{i}", new() { ["v"] = $"value-{i}" });
        }

        api.AddPodToken("tok-a", "default", "sa-a");
        api.AddPodToken("tok-b", "default", "sa-b");
        await using var driver = await RotationDriver.StartAsync(api: api);
        driver.WriteClass("first", "kubernetes", "- objectName: s0/v\n- objectName: s1/v\n- objectName: s2/v");
        driver.WriteClass("second", "kubernetes", "- objectName: s1/v\n- objectName: s2/v\n- objectName: s3/v");
        for (var i = 0; i < 10; i++)
        {
            // Six pods as sa-a (both classes), four as sa-b (class "second" only); each pod has its own token.
            var sa = i < 6 ? "sa-a" : "sa-b";
            var token = $"tok-{sa}-{i}";
            api.AddPodToken(token, "default", sa);
            await driver.PublishAsync($"vol-{i}", i % 2 == 0 && i < 6 ? "first" : "second", $"pod-{i}", serviceAccount: sa, tokensJson: driver.Tokens(token, TimeSpan.FromHours(1)));
        }

        api.ResetCounts();
        var pass = await driver.NextPassAsync(Poll);

        pass.Fetched.Should().Be(10);
        pass.Failed.Should().Be(0);
        // sa-a reads s0..s3 (both classes), sa-b reads s1..s3: seven distinct (identity, object) pairs.
        api.TotalReads.Should().Be(7);
        foreach (var name in new[] { "s0", "s1", "s2", "s3" })
        {
            api.Reads("default", "sa-a", name).Should().Be(1);
        }

        api.Reads("default", "sa-b", "s0").Should().Be(0);
        api.Reads("default", "sa-b", "s3").Should().Be(1);
        driver.Metrics.Registry.Render().Should().Contain("csi_secrets_store_backend_calls_total{provider=\"kubernetes\",call=\"get_secret\"} " + (30 + 7), "publishes read 3 objects each, the pass 7");
    }

    [Fact]
    public async Task Pass_ManyVolumes_NoMoreThanTheConfiguredNumberFetchAtOnce()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        await using var driver = await RotationDriver.StartAsync(o => o.MaxConcurrentFetches = 3, api);
        driver.WriteClass("app", "kubernetes", "- objectName: s/v");
        api.PutSecret("default", "s", new() { ["v"] = "x" });
        for (var i = 0; i < 8; i++)
        {
            // One service account per pod, so no two volumes share a read.
            api.AddPodToken($"tok-{i}", "default", $"sa-{i}");
            await driver.PublishAsync($"vol-{i}", "app", $"pod-{i}", serviceAccount: $"sa-{i}", tokensJson: driver.Tokens($"tok-{i}", TimeSpan.FromHours(1)));
        }

        api.ResetCounts();
        api.Hold();
        await driver.Loop.WaitForSleepAsync();
        var before = driver.Loop.Passes;
        driver.Clock.Advance(Poll);
        await Eventually.TrueAsync(() => api.InFlight == 3, because: "three reads in flight");
        api.MaxInFlight.Should().Be(3);
        api.Release();
        await driver.Loop.PassAfterAsync(before);

        api.MaxInFlight.Should().Be(3);
        api.TotalReads.Should().Be(8);
    }

    [Fact]
    public async Task Outage_KeepsOldFilesBacksOffAndRecovers()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        api.PutSecret("default", "db", new() { ["password"] = "v1" });
        await using var driver = await RotationDriver.StartAsync(o => o.BackoffInitial = TimeSpan.FromMinutes(10), api);
        driver.WriteClass("app", "kubernetes", "- objectName: db/password");
        var targets = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            api.AddPodToken($"tok-{i}", "default", $"sa-{i}");
            targets.Add(await driver.PublishAsync($"vol-{i}", "app", $"pod-{i}", serviceAccount: $"sa-{i}", tokensJson: driver.Tokens($"tok-{i}", TimeSpan.FromHours(3))));
        }

        var payloads = targets.Select(Volume.DataLink).ToList();
        api.Down = true;
        api.ResetCounts();
        var outage = await driver.NextPassAsync(Poll);
        outage.Failed.Should().BeGreaterThan(0);
        outage.Skipped.Should().Be(5 - outage.Failed, "the provider backs off after the first failure");
        api.TotalReads.Should().Be(outage.Failed);
        targets.Select(Volume.DataLink).Should().Equal(payloads, "a failed fetch never touches the files");
        targets.Should().AllSatisfy(t => Volume.Read(t, "db/password").Should().Be("v1"));
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_error_total{provider=\"kubernetes\",error_type=\"ServiceUnavailable\",os_type=\"linux\",rotated=\"false\"}").Should().Be(0);
        driver.Metrics.Registry.Render().Should().Contain("rotation_reconcile_error_total{provider=\"kubernetes\",error_type=\"Unavailable\",os_type=\"linux\",rotated=\"false\"} " + outage.Failed);
        TestMetrics.Scraped(driver.Metrics.Registry, "csi_secrets_store_rotation_skipped_total{reason=\"backoff\"}").Should().Be(5 - outage.Failed);
        api.Events.Should().Contain(e => e.Reason == "MountRotationFailed" && e.Type == "Warning" && e.Message.Contains("default/app"));

        // The next pass comes before the backoff ends: nothing is tried.
        var waiting = await driver.NextPassAsync(Poll);
        waiting.Skipped.Should().Be(5);
        api.TotalReads.Should().Be(outage.Failed);

        api.Down = false;
        api.PutSecret("default", "db", new() { ["password"] = "v2" });
        var recovered = await driver.NextPassAsync(TimeSpan.FromMinutes(10));
        recovered.Rotated.Should().Be(5);
        targets.Should().AllSatisfy(t => Volume.Read(t, "db/password").Should().Be("v2"));
        api.Events.Where(e => e.Reason == "MountRotationComplete").Should().HaveCount(5)
            .And.AllSatisfy(e => e.Message.Should().Be("successfully rotated mounted contents for spc default/app"));
    }

    [Fact]
    public async Task Pass_UnchangedVolume_EmitsNoEventAndCountsRotatedFalse()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        api.PutSecret("default", "db", new() { ["password"] = "v1" });
        api.AddPodToken("tok-1", "default", "app-sa");
        await using var driver = await RotationDriver.StartAsync(api: api);
        driver.WriteClass("app", "kubernetes", "- objectName: db/password");
        await driver.PublishAsync("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-1", TimeSpan.FromHours(1)));

        (await driver.NextPassAsync(Poll)).Fetched.Should().Be(1);

        api.Events.Should().BeEmpty();
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"kubernetes\",os_type=\"linux\",rotated=\"false\"}").Should().Be(1);
        TestMetrics.Scraped(driver.Metrics.Registry, "rotation_reconcile_total{provider=\"kubernetes\",os_type=\"linux\",rotated=\"true\"}").Should().Be(0);
    }

    [Fact]
    public async Task ExpiredTokens_VolumeSkippedUntilKubeletRepublishesFreshOnes()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        api.PutSecret("default", "db", new() { ["password"] = "v1" });
        api.AddPodToken("tok-old", "default", "app-sa");
        api.AddPodToken("tok-new", "default", "app-sa");
        await using var driver = await RotationDriver.StartAsync(api: api);
        driver.WriteClass("app", "kubernetes", "- objectName: db/password");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-old", TimeSpan.FromMinutes(10)));
        api.PutSecret("default", "db", new() { ["password"] = "v2" });
        api.ResetCounts();

        var expired = await driver.NextPassAsync(TimeSpan.FromMinutes(11));
        expired.Skipped.Should().Be(1);
        expired.Failed.Should().Be(0);
        api.TotalReads.Should().Be(0, "an expired token is never sent");
        TestMetrics.Scraped(driver.Metrics.Registry, "csi_secrets_store_rotation_skipped_total{reason=\"tokens_expired\"}").Should().Be(1);
        api.Events.Should().BeEmpty();
        driver.Logs.AllText.Should().NotContain("tok-old");

        // kubelet's republish brings fresh tokens (and, being due, fetches).
        await driver.PublishAsync("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-new", TimeSpan.FromHours(1)));
        Volume.Read(target, "db/password").Should().Be("v2");
        api.PutSecret("default", "db", new() { ["password"] = "v3" });
        (await driver.NextPassAsync(Poll)).Rotated.Should().Be(1);
        Volume.Read(target, "db/password").Should().Be("v3");
    }

    [Fact]
    public async Task Pass_ClassDeleted_FailsWithoutDeletingFiles()
    {
        await using var api = await LoopbackSecretsApi.StartAsync();
        api.PutSecret("default", "db", new() { ["password"] = "v1" });
        api.AddPodToken("tok-1", "default", "app-sa");
        await using var driver = await RotationDriver.StartAsync(api: api);
        driver.WriteClass("app", "kubernetes", "- objectName: db/password");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-1", TimeSpan.FromHours(1)));
        File.Delete(Path.Combine(driver.Options.SpcDir!, "default-app.yaml"));

        (await driver.NextPassAsync(Poll)).Failed.Should().Be(1);

        Volume.Read(target, "db/password").Should().Be("v1");
        api.Events.Should().ContainSingle(e => e.Reason == "MountRotationFailed").Which.Message.Should().Contain("default/app");
    }
}
