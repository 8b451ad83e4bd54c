using Grpc.Core;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Csi;

public sealed class HostileInputTests
{
    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("..data")]
    [InlineData("dir/")]
    [InlineData("a/../../b")]
    public async Task Publish_ObjectAliasEscapesOrBreaksLayout_InvalidArgumentAndNothingWritten(string alias)
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "value");
        driver.WriteClass("app", "local", $"- objectName: a\n  objectAlias: \"{alias}\"");
        var target = driver.TargetPath();
        var before = SnapshotOutsideTarget(driver);

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target)));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Status.Detail.Should().Contain("object path");
        Directory.Exists(target).Should().BeFalse();
        TestDirectory.MountsUnder(driver.Directory.Path).Should().BeEmpty();
        SnapshotOutsideTarget(driver).Should().Equal(before);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("sub/../../outside")]
    public async Task Publish_LocalObjectNameEscapesStoreRoot_PermissionDenied(string objectName)
    {
        await using var driver = await DriverFixture.StartAsync();
        File.WriteAllText(driver.Directory.Combine("outside"), "not for pods");
        driver.WriteClass("app", "local", $"- objectName: \"{objectName}\"\n  objectAlias: x");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.PermissionDenied);
        error.Status.Detail.Should().Contain("outside the local store root");
        Directory.Exists(driver.TargetPath()).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_SymlinkInStorePointsOutsideRoot_PermissionDeniedAndNotRead()
    {
        await using var driver = await DriverFixture.StartAsync();
        File.WriteAllText(driver.Directory.Combine("host-secret"), "TOP-SECRET-HOST-VALUE");
        File.CreateSymbolicLink(Path.Combine(driver.StoreRoot, "innocent"), driver.Directory.Combine("host-secret"));
        driver.WriteClass("app", "local", "- objectName: innocent");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.PermissionDenied);
        error.Status.Detail.Should().NotContain("TOP-SECRET-HOST-VALUE");
        Directory.Exists(driver.TargetPath()).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_SymlinkedDirectoryInStorePointsOutsideRoot_PermissionDenied()
    {
        await using var driver = await DriverFixture.StartAsync();
        var outside = driver.Directory.CreateDirectory("elsewhere");
        File.WriteAllText(Path.Combine(outside, "key"), "leak");
        Directory.CreateSymbolicLink(Path.Combine(driver.StoreRoot, "linked"), outside);
        driver.WriteClass("app", "local", "- objectName: linked/key");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.PermissionDenied);
    }

    [Fact]
    public async Task Publish_20MiBObject_ResourceExhaustedNamingLimitAndNothingMounted()
    {
        await using var driver = await DriverFixture.StartAsync();
        using (var file = File.Create(Path.Combine(driver.StoreRoot, "huge")))
        {
            file.SetLength(20 * 1024 * 1024);
        }

        driver.WriteClass("app", "local", "- objectName: huge");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.ResourceExhausted);
        error.Status.Detail.Should().Contain("huge").And.Contain("--max-object-bytes");
        Directory.Exists(driver.TargetPath()).Should().BeFalse();
        TestDirectory.MountsUnder(driver.Directory.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_ObjectsTogetherOverVolumeLimit_ResourceExhausted()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.MaxVolumeBytes = 1024);
        driver.WriteStoreFile("a", new string('a', 600));
        driver.WriteStoreFile("b", new string('b', 600));
        driver.WriteClass("app", "local", "- objectName: a\n- objectName: b");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.ResourceExhausted);
        error.Status.Detail.Should().Contain("--max-volume-bytes");
    }

    [Fact]
    public async Task Publish_TwoObjectsSamePath_InvalidArgument()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteStoreFile("b", "2");
        driver.WriteClass("app", "local", "- objectName: a\n  objectAlias: same\n- objectName: b\n  objectAlias: same");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Status.Detail.Should().Contain("two objects");
    }

    [Fact]
    public async Task Publish_BadFilePermission_InvalidArgumentNamingObject()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "1");
        driver.WriteClass("app", "local", "- objectName: a\n  filePermission: \"0999\"");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Status.Detail.Should().Contain("\"a\"").And.Contain("0999");
    }

    private static List<string> SnapshotOutsideTarget(DriverFixture driver) =>
        Directory.EnumerateFileSystemEntries(driver.Directory.Path, "*", SearchOption.AllDirectories)
            .Where(p => !p.StartsWith(driver.StateDir, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
}
