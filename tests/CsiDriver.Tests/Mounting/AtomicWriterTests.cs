using CsiDriver.Mounting;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Mounting;

/// <summary>The writer on a real folder: the single-syscall paths keep the layout, modes and crash handling.</summary>
public sealed class AtomicWriterTests
{
    private static readonly UnixFileMode Mode644 = (UnixFileMode)Convert.ToInt32("644", 8);

    private static AtomicWriter NewWriter() => new(TimeProvider.System, new Random(7));

    private static SecretFile File(string path, string contents, string? mode = null) =>
        new(path, System.Text.Encoding.UTF8.GetBytes(contents), mode is null ? null : (UnixFileMode)Convert.ToInt32(mode, 8));

    [Fact]
    public void WriteNew_ModesTheUmaskWouldStrip_FilesHaveExactlyThoseModes()
    {
        using var dir = new TestDirectory();
        var target = dir.CreateDirectory("vol");

        NewWriter().WriteNew(target, [File("open", "a", "0666"), File("exec", "b", "0775"), File("private", "c", "0400")], Mode644, group: null);

        Volume.Mode(target, "open").Should().Be((UnixFileMode)Convert.ToInt32("666", 8), "the process umask (022) must not apply to an object's mode");
        Volume.Mode(target, "exec").Should().Be((UnixFileMode)Convert.ToInt32("775", 8));
        Volume.Mode(target, "private").Should().Be((UnixFileMode)Convert.ToInt32("400", 8));
        Volume.Read(target, "open").Should().Be("a");
    }

    [Fact]
    public void WriteNew_NestedObjects_ParentsCreatedOnceAndEveryFileReachableThroughData()
    {
        using var dir = new TestDirectory();
        var target = dir.CreateDirectory("vol");

        NewWriter().WriteNew(target, [File("db/a/user", "u"), File("db/a/pass", "p"), File("db/b", "x"), File("top", "t")], Mode644, group: null);

        Volume.Files(target).Should().Equal("db/a/pass", "db/a/user", "db/b", "top");
        new FileInfo(Path.Combine(target, "db")).LinkTarget.Should().Be("..data/db");
        Volume.DataLink(target).Should().StartWith("..20");
        System.IO.File.GetUnixFileMode(Path.Combine(target, "..data", "db", "a")).Should().Be((UnixFileMode)Convert.ToInt32("755", 8));
    }

    [Fact]
    public void WriteNew_DirectoryAlreadyHoldsAFileSet_FailsWithoutTouchingIt()
    {
        using var dir = new TestDirectory();
        var target = dir.CreateDirectory("vol");
        var writer = NewWriter();
        writer.WriteNew(target, [File("a", "old")], Mode644, group: null);
        var live = Volume.DataLink(target);

        var act = () => writer.WriteNew(target, [File("a", "new")], Mode644, group: null);

        act.Should().Throw<SecretStoreException>().Which.Reason.Should().Be("FileWriteError");
        Volume.DataLink(target).Should().Be(live);
        Volume.Read(target, "a").Should().Be("old");
    }

    [Fact]
    public void Write_TempLinkLeftByACrash_ReplacedAndTheNewSetGoesLive()
    {
        using var dir = new TestDirectory();
        var target = dir.CreateDirectory("vol");
        var writer = NewWriter();
        writer.WriteNew(target, [File("a", "v1")], Mode644, group: null);
        System.IO.File.CreateSymbolicLink(Path.Combine(target, "..data_tmp"), "..gone");

        var outcome = writer.Write(target, [File("a", "v2"), File("b", "new")], Mode644, group: null);

        outcome.Should().Be(WriteOutcome.Written);
        Volume.Read(target, "a").Should().Be("v2");
        Volume.Read(target, "b").Should().Be("new");
        Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName).Should().BeEquivalentTo(["..data", Volume.DataLink(target), "a", "b"]);
    }

    [Fact]
    public void Write_SameSetAgain_UnchangedAndStaleLeftoversSwept()
    {
        using var dir = new TestDirectory();
        var target = dir.CreateDirectory("vol");
        var writer = NewWriter();
        writer.WriteNew(target, [File("a", "v1")], Mode644, group: null);
        Directory.CreateDirectory(Path.Combine(target, "..2020_01_01_00_00_00.deadbeef"));

        var outcome = writer.Write(target, [File("a", "v1")], Mode644, group: null);

        outcome.Should().Be(WriteOutcome.Unchanged);
        Directory.Exists(Path.Combine(target, "..2020_01_01_00_00_00.deadbeef")).Should().BeFalse("a crash leftover goes on the next write");
        Volume.Read(target, "a").Should().Be("v1");
    }
}
