using System.Collections.Concurrent;
using System.Text.Json;
using Grpc.Core;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Csi;

public sealed class PublishTests
{
    private const string ThreeObjects = """
        - objectName: db/username
        - objectName: db/password
          filePermission: "0440"
        - objectName: api-key
          objectAlias: config/api-key
        """;

    private static async Task<DriverFixture> StartWithThreeObjectsAsync()
    {
        var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("db/username", "app_user");
        driver.WriteStoreFile("db/password", "p@ss-v1");
        driver.WriteStoreFile("api-key", "key-123");
        driver.WriteClass("app", "local", ThreeObjects);
        return driver;
    }

    [Fact]
    public async Task Publish_LocalObjects_TmpfsMountedWithAtomicLayoutBytesAndModes()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();

        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));

        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.DataLink(target).Should().StartWith("..20");
        new FileInfo(Path.Combine(target, "db")).LinkTarget.Should().Be("..data/db");
        new FileInfo(Path.Combine(target, "config")).LinkTarget.Should().Be("..data/config");
        Volume.Read(target, "db/username").Should().Be("app_user");
        Volume.Read(target, "db/password").Should().Be("p@ss-v1");
        Volume.Read(target, "config/api-key").Should().Be("key-123");
        Volume.Mode(target, "db/username").Should().Be((UnixFileMode)Convert.ToInt32("644", 8));
        Volume.Mode(target, "db/password").Should().Be((UnixFileMode)Convert.ToInt32("440", 8));
        Volume.Files(target).Should().Equal("config/api-key", "db/password", "db/username");
    }

    [Fact]
    public async Task Publish_SameVolumeTwice_SucceedsAndChangesNothing()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        var request = CsiClient.PublishRequest(target);
        await driver.Client.PublishAsync(request);
        var payload = Volume.DataLink(target);
        var recordsBefore = Directory.GetFiles(driver.StateDir).Select(File.ReadAllText).ToList();

        await driver.Client.PublishAsync(request);

        Volume.DataLink(target).Should().Be(payload);
        Volume.MountCount(target).Should().Be(1);
        Directory.GetFiles(driver.StateDir).Select(File.ReadAllText).Should().Equal(recordsBefore);
    }

    [Fact]
    public async Task Publish_FetchDoneBeforeMount_StateRecordWrittenOnceWithItsFinalContent()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        var records = new ConcurrentQueue<string>();
        using var watcher = new FileSystemWatcher(driver.StateDir) { NotifyFilter = NotifyFilters.FileName, EnableRaisingEvents = true };
        watcher.Renamed += (_, e) => records.Enqueue(e.Name!);
        watcher.Created += (_, e) => records.Enqueue(e.Name!);

        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));

        // inotify reports in order: once the marker is seen, every rename the publish made has been seen before it.
        File.WriteAllText(Path.Combine(driver.StateDir, "marker"), string.Empty);
        await Eventually.TrueAsync(() => records.Contains("marker"), because: "the marker's event arrives");
        records.Where(name => name.EndsWith(".json", StringComparison.Ordinal)).Should().ContainSingle("the local store answers before the mount, so the record is saved once, final");
        var record = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(driver.StateDir, "*.json").Single())).RootElement;
        record.GetProperty("objectVersions").GetArrayLength().Should().Be(3);
        record.GetProperty("phase").GetString().Should().Be("Published");
    }

    [Fact]
    public async Task Republish_SourceChanged_NewPayloadSwappedInAndOldOneRemoved()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        var request = CsiClient.PublishRequest(target);
        await driver.Client.PublishAsync(request);
        var oldPayload = Volume.DataLink(target);

        driver.WriteStoreFile("db/password", "p@ss-v2");
        await driver.Client.PublishAsync(request);

        Volume.Read(target, "db/password").Should().Be("p@ss-v2");
        Volume.DataLink(target).Should().NotBe(oldPayload);
        Directory.Exists(Path.Combine(target, oldPayload!)).Should().BeFalse();
        Directory.GetFileSystemEntries(target).Select(Path.GetFileName).Should().BeEquivalentTo("..data", Volume.DataLink(target), "db", "config");
    }

    [Fact]
    public async Task Republish_ObjectDroppedFromClass_ItsFileAndLinkDisappear()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));

        driver.WriteClass("app", "local", "- objectName: db/username");
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));

        Volume.Files(target).Should().Equal("db/username");
        File.Exists(Path.Combine(target, "config")).Should().BeFalse();
        Directory.Exists(Path.Combine(target, "config")).Should().BeFalse();
    }

    [Fact]
    public async Task Republish_FetchFails_LastGoodFilesKeptAndErrorReported()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));
        var payload = Volume.DataLink(target);

        File.Delete(Path.Combine(driver.StoreRoot, "db/password"));
        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target)));

        error.StatusCode.Should().Be(StatusCode.NotFound);
        error.Status.Detail.Should().Contain("db/password").And.Contain("default/app");
        Volume.DataLink(target).Should().Be(payload);
        Volume.Read(target, "db/password").Should().Be("p@ss-v1");
    }

    [Fact]
    public async Task Unpublish_PublishedVolume_UnmountsRemovesTargetAndForgetsIt()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));

        await driver.Client.UnpublishAsync("csi-vol-1", target);

        Volume.MountCount(target).Should().Be(0);
        Directory.Exists(target).Should().BeFalse();
        Directory.GetFiles(driver.StateDir).Should().BeEmpty();
    }

    [Fact]
    public async Task Unpublish_SecondTmpfsStackedOverTheVolume_BothUnmountedAndTargetGone()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));
        CsiDriver.Mounting.Libc.Mount("tmpfs", target, "tmpfs", 0, "size=65536").Should().Be(0, "the test stacks a second mount at the target");
        Volume.MountCount(target).Should().Be(2);

        await driver.Client.UnpublishAsync("csi-vol-1", target);

        Volume.MountCount(target).Should().Be(0);
        Directory.Exists(target).Should().BeFalse();
        Directory.GetFiles(driver.StateDir).Should().BeEmpty();
    }

    [Fact]
    public async Task Unpublish_UnknownOrAlreadyRemovedTarget_Succeeds()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();

        await driver.Client.UnpublishAsync("never-published", target);
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));
        await driver.Client.UnpublishAsync("csi-vol-1", target);
        await driver.Client.UnpublishAsync("csi-vol-1", target);

        Directory.Exists(target).Should().BeFalse();
    }

    [Fact]
    public async Task Unpublish_TargetIsAPlainDirectoryWithFiles_RefusesToDeleteThem()
    {
        await using var driver = await DriverFixture.StartAsync();
        var target = driver.Directory.CreateDirectory("not-ours");
        File.WriteAllText(Path.Combine(target, "precious"), "data");

        var error = await CsiClient.FailsAsync(() => driver.Client.UnpublishAsync("vol", target));

        error.StatusCode.Should().Be(StatusCode.Internal);
        File.ReadAllText(Path.Combine(target, "precious")).Should().Be("data");
    }

    [Fact]
    public async Task Publish_FsGroupGiven_FilesOwnedByRootAndGroupReadableByPodUser()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TraversableTargetPath();

        await driver.Client.PublishAsync(CsiClient.PublishRequest(target, fsGroup: "4321"));

        foreach (var file in new[] { "db/password", "db/username", "config/api-key" })
        {
            var real = Volume.RealPath(target, file);
            Stat(real).Should().Be((0u, 4321u), file);
        }

        Stat(target).Gid.Should().Be(4321u);
        var read = await RunAsUserAsync(uid: 1000, gid: 4321, Path.Combine(target, "db/password"));
        read.Should().Be("p@ss-v1");
    }

    [Fact]
    public async Task Publish_FsGroupGiven_RewriteKeepsOwnership()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TraversableTargetPath();
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target, fsGroup: "4321"));

        driver.WriteStoreFile("db/password", "p@ss-v2");
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target, fsGroup: "4321"));

        var real = Volume.RealPath(target, "db/password");
        Stat(real).Should().Be((0u, 4321u));
        (await RunAsUserAsync(uid: 1000, gid: 4321, Path.Combine(target, "db/password"))).Should().Be("p@ss-v2");
    }

    [Fact]
    public async Task Publish_TargetUsedByAnotherVolume_AlreadyExists()
    {
        await using var driver = await StartWithThreeObjectsAsync();
        var target = driver.TargetPath();
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target, volumeId: "vol-a"));

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target, volumeId: "vol-b")));

        error.StatusCode.Should().Be(StatusCode.AlreadyExists);
    }

    private static (uint Uid, uint Gid) Stat(string path)
    {
        CsiDriver.Mounting.Libc.Statx(CsiDriver.Mounting.Libc.AT_FDCWD, path, CsiDriver.Mounting.Libc.AT_SYMLINK_NOFOLLOW, 0x7ff, out var stat).Should().Be(0);
        return (stat.Uid, stat.Gid);
    }

    /// <summary>Reads a file as an unprivileged user, the way a non-root container would.</summary>
    private static async Task<string> RunAsUserAsync(int uid, int gid, string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("setpriv", $"--reuid={uid} --regid={gid} --clear-groups cat {path}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, error);
        return output;
    }
}
