using CsiDriver.State;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.State;

public sealed class FileVolumeRegistryTests
{
    private static VolumeRecord Record(string provider = "local") => new()
    {
        VolumeId = "vol-1",
        TargetPath = "/var/lib/kubelet/pods/p/volumes/kubernetes.io~csi/s/mount",
        PodName = "pod",
        PodNamespace = "default",
        PodUid = "uid-1",
        SecretProviderClass = "app",
        Provider = provider,
    };

    [Fact]
    public void Save_TempFileLeftByAnEarlierFailedSave_RecordWrittenOwnerOnlyAndReadBack()
    {
        using var dir = new TestDirectory();
        var registry = new FileVolumeRegistry(dir.Path, NullLogger<FileVolumeRegistry>.Instance);
        registry.Save(Record());
        var path = Directory.GetFiles(dir.Path).Single();
        File.WriteAllText(path + ".tmp", "{ half a rec");

        registry.Save(Record(provider: "vault"));

        Directory.GetFiles(dir.Path).Should().Equal(path);
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        new FileVolumeRegistry(dir.Path, NullLogger<FileVolumeRegistry>.Instance).Load().Single().Provider.Should().Be("vault");
    }

    [Fact]
    public void Remove_RecordAlreadyGoneFromDisk_NoError()
    {
        using var dir = new TestDirectory();
        var registry = new FileVolumeRegistry(dir.Path, NullLogger<FileVolumeRegistry>.Instance);
        registry.Save(Record());
        File.Delete(Directory.GetFiles(dir.Path).Single());

        registry.Remove("vol-1");

        registry.Get("vol-1").Should().BeNull();
    }
}
