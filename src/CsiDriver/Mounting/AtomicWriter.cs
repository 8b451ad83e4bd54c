using System.Globalization;
using CsiDriver.Providers;
using CsiDriver.Publishing;

namespace CsiDriver.Mounting;

/// <summary>Whether a write changed what readers of the volume see.</summary>
public enum WriteOutcome
{
    Unchanged,
    Written,
}

/// <summary>Writes a volume's whole file set so readers see the old set or the new one, never a mix.</summary>
public interface IAtomicWriter
{
    WriteOutcome Write(string targetDirectory, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group);

    /// <summary>True if a complete file set is live in <paramref name="targetDirectory"/>.</summary>
    bool HasLiveFiles(string targetDirectory);

    /// <summary>Removes what a write cut off by a crash left behind, keeping the live set.</summary>
    void Recover(string targetDirectory);
}

/// <summary>
/// kubelet's atomic-writer layout: the payload goes into a fresh hidden timestamped directory,
/// the <c>..data</c> symlink is swapped to it with one rename(2), and every visible top-level
/// entry is a symlink through <c>..data</c>. Leftovers of a crash are swept on the next write.
/// </summary>
internal sealed class AtomicWriter : IAtomicWriter
{
    public const string DataLinkName = "..data";
    private const string TempLinkName = "..data_tmp";
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode GroupDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private readonly TimeProvider _time;
    private readonly Random _random;

    public AtomicWriter(TimeProvider time, Random random)
    {
        _time = time;
        _random = random;
    }

    public WriteOutcome Write(string targetDirectory, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group)
    {
        PayloadPath.ValidateAll(files.Select(f => f.Path));
        var dataLink = Path.Combine(targetDirectory, DataLinkName);
        var current = new FileInfo(dataLink).LinkTarget;
        if (current is not null && Matches(Path.Combine(targetDirectory, current), files, defaultMode, group))
        {
            SweepStale(targetDirectory, current);
            return WriteOutcome.Unchanged;
        }

        try
        {
            var payloadName = WritePayload(targetDirectory, files, defaultMode, group);
            var topLevel = files.Select(f => TopLevelName(f.Path)).ToHashSet(StringComparer.Ordinal);
            EnsureVisibleLinks(targetDirectory, topLevel);

            var tempLink = Path.Combine(targetDirectory, TempLinkName);
            File.Delete(tempLink);
            File.CreateSymbolicLink(tempLink, payloadName);
            Libc.RenameOrThrow(tempLink, dataLink); // The one atomic step.

            RemoveVanishedLinks(targetDirectory, topLevel);
            SweepStale(targetDirectory, payloadName);
            return WriteOutcome.Written;
        }
        catch (IOException ex)
        {
            throw new SecretStoreException(FailureKind.Internal, $"cannot write files in {targetDirectory}: {ex.Message}", ex) { Reason = "FileWriteError" };
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SecretStoreException(FailureKind.Internal, $"cannot write files in {targetDirectory}: {ex.Message}", ex) { Reason = "FileWriteError" };
        }
    }

    public bool HasLiveFiles(string targetDirectory)
    {
        var live = new FileInfo(Path.Combine(targetDirectory, DataLinkName)).LinkTarget;
        return live is not null && Directory.Exists(Path.Combine(targetDirectory, live));
    }

    public void Recover(string targetDirectory)
    {
        if (new FileInfo(Path.Combine(targetDirectory, DataLinkName)).LinkTarget is { } live)
        {
            SweepStale(targetDirectory, live);
        }
    }

    private string WritePayload(string target, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group)
    {
        var directoryMode = group is null ? DirectoryMode : GroupDirectoryMode;
        string name, path;
        do
        {
            name = string.Create(CultureInfo.InvariantCulture, $"..{_time.GetUtcNow():yyyy_MM_dd_HH_mm_ss}.{_random.Next():x8}");
            path = Path.Combine(target, name);
        }
        while (Directory.Exists(path));

        Directory.CreateDirectory(path, directoryMode);
        SetOwnership(path, group);
        foreach (var file in files)
        {
            var full = Path.Combine(path, file.Path);
            EnsureParents(path, file.Path, directoryMode, group);
            var mode = file.Mode ?? defaultMode;
            using (var stream = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
                Options = FileOptions.None,
                BufferSize = 0,
            }))
            {
                stream.Write(file.Contents.Span);
            }

            // Creation honours the umask; the object's mode must not.
            File.SetUnixFileMode(full, mode);
            SetOwnership(full, group);
        }

        return name;
    }

    private static void EnsureParents(string root, string relative, UnixFileMode mode, int? group)
    {
        var slash = relative.IndexOf('/', StringComparison.Ordinal);
        while (slash > 0)
        {
            var directory = Path.Combine(root, relative[..slash]);
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, mode);
                File.SetUnixFileMode(directory, mode);
                SetOwnership(directory, group);
            }

            slash = relative.IndexOf('/', slash + 1);
        }
    }

    private static void SetOwnership(string path, int? group)
    {
        if (group is { } gid && Libc.Lchown(path, 0, gid) != 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw new IOException($"cannot set group {gid} on {Path.GetFileName(path)}: {Libc.ErrorText(errno)}");
        }
    }

    private static void EnsureVisibleLinks(string target, HashSet<string> topLevel)
    {
        foreach (var name in topLevel)
        {
            var link = Path.Combine(target, name);
            var info = new FileInfo(link);
            if (info.LinkTarget is not null)
            {
                continue;
            }

            // A real file or directory in the way (written by an older driver or a provider) is replaced.
            if (Directory.Exists(link))
            {
                Directory.Delete(link, recursive: true);
            }
            else if (info.Exists)
            {
                info.Delete();
            }

            File.CreateSymbolicLink(link, Path.Combine(DataLinkName, name));
        }
    }

    private static void RemoveVanishedLinks(string target, HashSet<string> topLevel)
    {
        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
        {
            if (!entry.Name.StartsWith("..", StringComparison.Ordinal) && entry.LinkTarget is not null && !topLevel.Contains(entry.Name))
            {
                entry.Delete();
            }
        }
    }

    /// <summary>Removes payload directories and temp links that are not the live one (crash leftovers, the old set).</summary>
    private static void SweepStale(string target, string livePayload)
    {
        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
        {
            if (!entry.Name.StartsWith("..", StringComparison.Ordinal) || entry.Name == DataLinkName || entry.Name == livePayload)
            {
                continue;
            }

            if (entry is DirectoryInfo directory && directory.LinkTarget is null)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

    private static bool Matches(string payloadDirectory, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group)
    {
        if (!Directory.Exists(payloadDirectory))
        {
            return false;
        }

        if (Directory.EnumerateFiles(payloadDirectory, "*", SearchOption.AllDirectories).Count() != files.Count)
        {
            return false;
        }

        foreach (var file in files)
        {
            var full = Path.Combine(payloadDirectory, file.Path);
            var info = new FileInfo(full);
            if (!info.Exists || info.LinkTarget is not null || info.Length != file.Contents.Length ||
                info.UnixFileMode != (file.Mode ?? defaultMode))
            {
                return false;
            }

            if (group is not null && !HasGroup(full, group.Value))
            {
                return false;
            }

            if (!file.Contents.Span.SequenceEqual(File.ReadAllBytes(full)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasGroup(string path, int group) =>
        Libc.Statx(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, 0x7ff, out var stat) == 0 && stat.Gid == (uint)group;

    private static string TopLevelName(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? path : path[..slash];
    }
}
