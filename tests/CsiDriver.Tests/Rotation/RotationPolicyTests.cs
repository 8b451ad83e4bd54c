using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Rotation;

public sealed class RotationPolicyTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task CreatedOnce_NeverRefetched_EvenWhenTheRefreshAnnotationChanges()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("cert", "c1");
        driver.WriteClass("pki", "local", "- objectName: cert", rotationYaml: "policy: CreatedOnce");
        var target = await driver.PublishAsync("vol-1", "pki", "pod-1");

        driver.WriteStoreFile("cert", "c2");
        (await driver.NextPassAsync(Poll)).NotDue.Should().Be(1);
        driver.WriteClass("pki", "local", "- objectName: cert", rotationYaml: "policy: CreatedOnce", refresh: "now");
        (await driver.NextPassAsync(Poll)).NotDue.Should().Be(1);

        Volume.Read(target, "cert").Should().Be("c1");
    }

    [Fact]
    public async Task OnChange_NotRefetchedByTime_RefetchedWhenTheClassChanges()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "policy: OnChange");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1");
        driver.WriteStoreFile("a", "2");

        (await driver.NextPassAsync(Poll)).NotDue.Should().Be(1);
        (await driver.NextPassAsync(TimeSpan.FromHours(5))).NotDue.Should().Be(1);
        Volume.Read(target, "a").Should().Be("1");

        driver.WriteClass("app", "local", "- objectName: a\n  filePermission: \"0440\"", rotationYaml: "policy: OnChange");
        (await driver.NextPassAsync(Poll)).Rotated.Should().Be(1);
        Volume.Read(target, "a").Should().Be("2");
        Volume.Mode(target, "a").Should().Be((UnixFileMode)Convert.ToInt32("440", 8));

        driver.WriteStoreFile("a", "3");
        (await driver.NextPassAsync(Poll)).NotDue.Should().Be(1, "the class did not change again");
    }

    [Fact]
    public async Task RefreshAnnotationChanged_RefetchesEveryVolumeOfTheClassRegardlessOfInterval()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteStoreFile("b", "1");
        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "interval: 24h");
        driver.WriteClass("other", "local", "- objectName: b", rotationYaml: "interval: 24h");
        var first = await driver.PublishAsync("vol-1", "app", "pod-1");
        var second = await driver.PublishAsync("vol-2", "app", "pod-2");
        var other = await driver.PublishAsync("vol-3", "other", "pod-3");
        driver.WriteStoreFile("a", "2");
        driver.WriteStoreFile("b", "2");

        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "interval: 24h", refresh: "2026-03-01T12:00");
        var pass = await driver.NextPassAsync(Poll);

        pass.Rotated.Should().Be(2);
        pass.NotDue.Should().Be(1);
        Volume.Read(first, "a").Should().Be("2");
        Volume.Read(second, "a").Should().Be("2");
        Volume.Read(other, "b").Should().Be("1", "only the annotated class is refreshed");

        driver.WriteStoreFile("a", "3");
        (await driver.NextPassAsync(Poll)).NotDue.Should().Be(3, "the same annotation value does not refresh again");
    }

    [Fact]
    public async Task Periodic_ClassChanged_RefetchedBeforeItsInterval()
    {
        await using var driver = await RotationDriver.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteStoreFile("b", "1");
        driver.WriteClass("app", "local", "- objectName: a", rotationYaml: "interval: 1h");
        var target = await driver.PublishAsync("vol-1", "app", "pod-1");

        driver.WriteClass("app", "local", "- objectName: a\n- objectName: b", rotationYaml: "interval: 1h");
        (await driver.NextPassAsync(Poll)).Rotated.Should().Be(1);

        Volume.Files(target).Should().Equal("a", "b");
    }
}
