using System.Runtime.InteropServices;

namespace CsiDriver.Mounting;

/// <summary>
/// A regular file opened once for reading. <see cref="TryOpenBeneath"/> has the kernel keep the name under a
/// directory (openat2), which costs nothing beyond the open; <see cref="TryOpen"/>, for kernels without openat2, also
/// returns the real path the kernel resolved, which the caller checks. Either way the check is on the file actually
/// read, so a link swapped in between cannot redirect it.
/// </summary>
internal sealed class OpenedFile : IDisposable
{
    private readonly string _name;
    private int _fd;

    private OpenedFile(int fd, string name, string? realPath, in Libc.StatxBuffer stat)
    {
        _fd = fd;
        _name = name;
        RealPath = realPath;
        Length = (long)stat.Size;
        Identity = string.Create(CultureInfo.InvariantCulture, $"{stat.DevMajor}:{stat.DevMinor}:{stat.Ino}");
    }

    /// <summary>Where the opened file really is, every symlink resolved; null when opened beneath a directory.</summary>
    public string? RealPath { get; }

    /// <summary>device:inode, the same for every name of the file (a key to read it once under several names).</summary>
    public string Identity { get; }

    /// <summary>The size when opened.</summary>
    public long Length { get; }

    /// <summary>
    /// <paramref name="relative"/> opened under <paramref name="directory"/>, or null: with the errno when the kernel
    /// refused (EXDEV: the name or a link in it leads out; ENOSYS: no openat2), with 0 when it is not a regular file.
    /// </summary>
    public static OpenedFile? TryOpenBeneath(DirectoryHandle directory, string relative, out int errno)
    {
        // Nothing outside the directory is ever opened: absolute links, "..", and /proc magic links are refused
        // during resolution, so a link to a device or a FIFO (say /dev/watchdog) is never touched. O_NONBLOCK and
        // O_NOCTTY cover such a node placed inside the store itself: opening it neither hangs nor takes a terminal.
        var fd = Libc.Openat2(
            directory.Descriptor,
            relative,
            (ulong)(Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOCTTY | Libc.O_NONBLOCK),
            Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_MAGICLINKS);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (fd < 0)
        {
            return null;
        }

        if (!IsRegularFile(fd, out var stat))
        {
            Libc.Close(fd);
            return null;
        }

        return new OpenedFile(fd, Path.GetFileName(relative), realPath: null, stat);
    }

    /// <summary>The opened file, or null when <paramref name="path"/> is not a readable regular file (the caller finds out why).</summary>
    public static unsafe OpenedFile? TryOpen(string path)
    {
        // O_PATH first: nothing but a regular file is ever really opened, so a link to a device or a FIFO
        // (say /dev/watchdog) cannot make the driver trigger it, hang on it, or take it as a terminal.
        var pathFd = Libc.Open(path, Libc.O_PATH | Libc.O_CLOEXEC, 0);
        if (pathFd < 0)
        {
            return null;
        }

        try
        {
            if (!IsRegularFile(pathFd, out var stat))
            {
                return null;
            }

            const int Max = 4096;
            var buffer = stackalloc byte[Max];
            var self = string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{pathFd}");
            var length = Libc.Readlink(self, buffer, Max);
            if (length <= 0 || length >= Max)
            {
                return null;
            }

            // Re-opened through the descriptor: the same inode, whatever happened to the name since.
            var fd = Libc.Open(self, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOCTTY, 0);
            var realPath = Encoding.UTF8.GetString(buffer, (int)length);
            return fd < 0 ? null : new OpenedFile(fd, Path.GetFileName(realPath), realPath, stat);
        }
        finally
        {
            Libc.Close(pathFd);
        }
    }

    private static bool IsRegularFile(int fd, out Libc.StatxBuffer stat) =>
        Libc.Statx(fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_TYPE | Libc.STATX_SIZE | Libc.STATX_INO, out stat) == 0 && (stat.Mode & Libc.S_IFMT) == Libc.S_IFREG;

    /// <summary>The whole file; false (and nothing read) when it holds more than <paramref name="maxBytes"/>.</summary>
    public unsafe bool TryReadAll(long maxBytes, out byte[] contents)
    {
        contents = [];
        if (Length > maxBytes)
        {
            return false;
        }

        // One byte more than expected, so growth since the open is seen without a second read at the end.
        var buffer = new byte[Length + 1];
        var total = 0;
        fixed (byte* start = buffer)
        {
            while (total < buffer.Length)
            {
                var n = Libc.Pread(_fd, start + total, (nuint)(buffer.Length - total), total);
                if (n < 0 && Marshal.GetLastPInvokeError() != Libc.EINTR)
                {
                    throw new IOException($"cannot read {_name}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
                }

                total += (int)Math.Max(n, 0); // EINTR: nothing read, read again.
                if (n >= 0 && total < buffer.Length)
                {
                    // A short read of a regular file is its end (signals restart pread under SA_RESTART).
                    break;
                }
            }
        }

        if (total > Length)
        {
            return false;
        }

        contents = buffer.AsSpan(0, total).ToArray();
        return true;
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
