using System.Runtime.InteropServices;

namespace CsiDriver.Mounting;

/// <summary>
/// The file operations of the write path as single syscalls: FileStream adds an fstat, a share-lock flock and
/// path checks to every file, and File/Directory helpers resolve the same path several times over.
/// Errors become <see cref="IOException"/>s that name the entry, never its contents.
/// </summary>
internal static class PosixFiles
{
    private const uint PermissionBits = 0xFFF;

    /// <summary>The process umask, read once: creation modes it would strip need an explicit chmod.</summary>
    public static uint Umask { get; } = ReadUmask();

    /// <summary>Creates <paramref name="path"/> (which must not exist) with exactly these contents, mode and group.</summary>
    public static unsafe void CreateFile(string path, ReadOnlySpan<byte> contents, UnixFileMode mode, int? group)
    {
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, (uint)mode);
        if (fd < 0)
        {
            throw Failure("create", path);
        }

        try
        {
            fixed (byte* start = contents)
            {
                var written = 0;
                while (written < contents.Length)
                {
                    var n = Libc.Write(fd, start + written, (nuint)(contents.Length - written));
                    if (n < 0 && Marshal.GetLastPInvokeError() != Libc.EINTR)
                    {
                        throw Failure("write", path);
                    }

                    written += (int)Math.Max(n, 0); // EINTR: nothing written, write again.
                }
            }

            if (((uint)mode & Umask & PermissionBits) != 0 && Libc.Fchmod(fd, (uint)mode) != 0)
            {
                throw Failure("set the mode of", path);
            }

            if (group is { } gid && Libc.Fchown(fd, 0, gid) != 0)
            {
                throw Failure($"set group {gid} on", path);
            }
        }
        finally
        {
            // close(2) on Linux releases the descriptor even when it reports an error; nothing to retry.
            Libc.Close(fd);
        }
    }

    /// <summary>mkdir(2) with exactly <paramref name="mode"/>; false if the path already exists.</summary>
    public static bool TryCreateDirectory(string path, UnixFileMode mode, int? group)
    {
        if (Libc.Mkdir(path, (uint)mode) != 0)
        {
            return Marshal.GetLastPInvokeError() == Libc.EEXIST ? false : throw Failure("create directory", path);
        }

        if (((uint)mode & Umask & PermissionBits) != 0)
        {
            File.SetUnixFileMode(path, mode);
        }

        if (group is { } gid && Libc.Lchown(path, 0, gid) != 0)
        {
            throw Failure($"set group {gid} on", path);
        }

        return true;
    }

    /// <summary>Creates <paramref name="path"/> and any missing parents; true if this call created it.</summary>
    public static bool EnsureDirectory(string path, UnixFileMode mode)
    {
        if (Libc.Mkdir(path, (uint)mode) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno != Libc.ENOENT)
        {
            return errno == Libc.EEXIST ? false : throw Failure("create directory", path);
        }

        Directory.CreateDirectory(path, mode);
        return true;
    }

    /// <summary>symlink(2); false if something already has that name.</summary>
    public static bool TryCreateSymlink(string target, string linkPath) =>
        Libc.Symlink(target, linkPath) == 0 || (Marshal.GetLastPInvokeError() == Libc.EEXIST ? false : throw Failure("create link", linkPath));

    /// <summary>unlink(2); a missing entry is not an error.</summary>
    public static void DeleteFile(string path)
    {
        if (Libc.Unlink(path) != 0 && Marshal.GetLastPInvokeError() != Libc.ENOENT)
        {
            throw Failure("remove", path);
        }
    }

    /// <summary>rmdir(2) of an empty directory; false if there was no directory to remove.</summary>
    public static bool DeleteEmptyDirectory(string path) =>
        Libc.Rmdir(path) == 0 || (Marshal.GetLastPInvokeError() is Libc.ENOENT or Libc.ENOTDIR ? false : throw Failure("remove directory", path));

    /// <summary>Writes <paramref name="temp"/> and renames it over <paramref name="path"/>: readers see the old file or the new one.</summary>
    public static void ReplaceFile(string path, string temp, ReadOnlySpan<byte> contents, UnixFileMode mode)
    {
        try
        {
            CreateFile(temp, contents, mode, group: null);
        }
        catch (IOException)
        {
            // A temp file left by an earlier failed save; the next attempt starts clean.
            DeleteFile(temp);
            CreateFile(temp, contents, mode, group: null);
        }

        Libc.RenameOrThrow(temp, path);
    }

    private static IOException Failure(string action, string path) =>
        new($"cannot {action} {Path.GetFileName(path)}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");

    private static uint ReadUmask()
    {
        try
        {
            if (File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Umask:", StringComparison.Ordinal)) is { } line)
            {
                return Convert.ToUInt32(line[6..].Trim(), 8);
            }
        }
        catch (Exception ex) when (ex is IOException or FormatException or OverflowException or ArgumentException or UnauthorizedAccessException)
        {
            // Unknown: chmod every time.
        }

        return PermissionBits;
    }
}
