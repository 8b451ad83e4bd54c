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

    /// <summary>
    /// The first write into a tmpfs mounted just before, so empty: nothing to compare, replace or sweep.
    /// Readers see no file set until the one <c>..data</c> link appears, then the whole set.
    /// </summary>
    void WriteNew(string emptyDirectory, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group);

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
internal sealed class AtomicWriter(TimeProvider time, Random random) : IAtomicWriter
{
    public const string DataLinkName = "..data";
    private const string TempLinkName = "..data_tmp";
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode GroupDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public WriteOutcome Write(string targetDirectory, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group)
    {
        PayloadPath.ValidateAll(files.Select(f => f.Path));
        var dataLink = Path.Combine(targetDirectory, DataLinkName);
        var current = new FileInfo(dataLink).LinkTarget;
        if (current is not null && Matches(Path.Combine(targetDirectory, current), files, defaultMode, group))
        {
            SweepStale(targetDirectory, current, topLevel: null);
            return WriteOutcome.Unchanged;
        }

        return Guarded(targetDirectory, () =>
        {
            var (payloadName, topLevel) = WritePayload(targetDirectory, files, defaultMode, group);
            var tempLink = Path.Combine(targetDirectory, TempLinkName);
            if (!PosixFiles.TryCreateSymlink(payloadName, tempLink))
            {
                PosixFiles.DeleteFile(tempLink); // A crash leftover.
                PosixFiles.TryCreateSymlink(payloadName, tempLink);
            }

            Libc.RenameOrThrow(tempLink, dataLink); // The one atomic step.
            SweepStale(targetDirectory, payloadName, topLevel);
            return WriteOutcome.Written;
        });
    }

    public void WriteNew(string emptyDirectory, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group)
    {
        PayloadPath.ValidateAll(files.Select(f => f.Path));
        Guarded(emptyDirectory, () =>
        {
            var (payloadName, _) = WritePayload(emptyDirectory, files, defaultMode, group);

            // symlink(2) makes the link whole or not at all: in an empty volume it is the atomic step, no rename needed.
            if (!PosixFiles.TryCreateSymlink(payloadName, Path.Combine(emptyDirectory, DataLinkName)))
            {
                throw new IOException($"{DataLinkName} appeared in a volume that was empty");
            }

            return WriteOutcome.Written;
        });
    }

    private static WriteOutcome Guarded(string targetDirectory, Func<WriteOutcome> write)
    {
        try
        {
            return write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
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
            SweepStale(targetDirectory, live, topLevel: null);
        }
    }

    /// <summary>Writes the files into a new payload directory and links every top-level name through <c>..data</c>; returns both.</summary>
    private (string PayloadName, HashSet<string> TopLevel) WritePayload(string target, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group)
    {
        var directoryMode = group is null ? DirectoryMode : GroupDirectoryMode;
        string name;
        do
        {
            name = string.Create(CultureInfo.InvariantCulture, $"..{time.GetUtcNow():yyyy_MM_dd_HH_mm_ss}.{random.Next():x8}");
        }
        while (!PosixFiles.TryCreateDirectory(Path.Combine(target, name), directoryMode, group));

        var path = Path.Combine(target, name);
        HashSet<string>? parents = null;
        foreach (var file in files)
        {
            if (file.Path.Contains('/', StringComparison.Ordinal))
            {
                EnsureParents(path, file.Path, directoryMode, group, parents ??= new HashSet<string>(StringComparer.Ordinal));
            }

            // Created with its mode (chmod only where the umask would strip bits) and group in one open descriptor.
            PosixFiles.CreateFile(Path.Combine(path, file.Path), file.Contents.Span, file.Mode ?? defaultMode, group);
        }

        var topLevel = files.Select(f => f.Path.Split('/', 2)[0]).ToHashSet(StringComparer.Ordinal);
        EnsureVisibleLinks(target, topLevel);
        return (name, topLevel);
    }

    private static void EnsureParents(string root, string relative, UnixFileMode mode, int? group, HashSet<string> created)
    {
        var slash = relative.IndexOf('/', StringComparison.Ordinal);
        while (slash > 0)
        {
            var parent = relative[..slash];
            if (created.Add(parent))
            {
                // The payload directory is new, so only this write creates directories in it.
                PosixFiles.TryCreateDirectory(Path.Combine(root, parent), mode, group);
            }

            slash = relative.IndexOf('/', slash + 1);
        }
    }

    private static void EnsureVisibleLinks(string target, HashSet<string> topLevel)
    {
        foreach (var name in topLevel)
        {
            var link = Path.Combine(target, name);
            if (PosixFiles.TryCreateSymlink(Path.Combine(DataLinkName, name), link) || new FileInfo(link).LinkTarget is not null)
            {
                continue;
            }

            // A real file or directory in the way (written by an older driver or a provider) is replaced.
            Remove(Directory.Exists(link) ? new DirectoryInfo(link) : new FileInfo(link));
            File.CreateSymbolicLink(link, Path.Combine(DataLinkName, name));
        }
    }

    /// <summary>
    /// One pass over the target: removes payload directories and temp links that are not the live one (crash
    /// leftovers, the old set) and, after a rewrite, visible links to names the new set no longer has.
    /// </summary>
    private static void SweepStale(string target, string livePayload, HashSet<string>? topLevel)
    {
        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
        {
            if (!entry.Name.StartsWith("..", StringComparison.Ordinal))
            {
                if (topLevel is not null && !topLevel.Contains(entry.Name) && entry.LinkTarget is not null)
                {
                    entry.Delete();
                }

                continue;
            }

            if (entry.Name != DataLinkName && entry.Name != livePayload)
            {
                Remove(entry);
            }
        }
    }

    /// <summary>Deletes a file or link, or a real directory with everything in it (never what a link points to).</summary>
    private static void Remove(FileSystemInfo entry)
    {
        if (entry is DirectoryInfo { LinkTarget: null } directory)
        {
            directory.Delete(recursive: true);
        }
        else
        {
            entry.Delete();
        }
    }

    private static bool Matches(string payloadDirectory, IReadOnlyList<SecretFile> files, UnixFileMode defaultMode, int? group) =>
        Directory.Exists(payloadDirectory) &&
        Directory.EnumerateFiles(payloadDirectory, "*", SearchOption.AllDirectories).Count() == files.Count &&
        files.All(file => IsWritten(Path.Combine(payloadDirectory, file.Path), file, file.Mode ?? defaultMode, group));

    /// <summary>True if <paramref name="path"/> is a regular file with exactly the file's contents, mode and group.</summary>
    private static bool IsWritten(string path, SecretFile file, UnixFileMode mode, int? group)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null && info.Length == file.Contents.Length && info.UnixFileMode == mode &&
            (group is null || (Libc.Statx(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, 0x7ff, out var stat) == 0 && stat.Gid == (uint)group)) &&
            file.Contents.Span.SequenceEqual(File.ReadAllBytes(path));
    }
}
