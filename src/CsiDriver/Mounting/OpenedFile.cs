using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace CsiDriver.Mounting;

/// <summary>
/// A regular file opened once for reading, with the real path the kernel resolved for it. Checking that path
/// (rather than resolving the name first and opening it after) costs one readlink instead of one per path
/// component, and the check is on the file actually read, so a link swapped in between cannot redirect it.
/// </summary>
internal sealed class OpenedFile : IDisposable
{
    private int _fd;

    private OpenedFile(int fd, string realPath, long length)
    {
        _fd = fd;
        RealPath = realPath;
        Length = length;
    }

    /// <summary>Where the opened file really is, every symlink resolved.</summary>
    public string RealPath { get; }

    /// <summary>The size when opened.</summary>
    public long Length { get; }

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
            if (Libc.Statx(pathFd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_TYPE | Libc.STATX_SIZE, out var stat) != 0 ||
                (stat.Mode & Libc.S_IFMT) != Libc.S_IFREG)
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
            return fd < 0 ? null : new OpenedFile(fd, Encoding.UTF8.GetString(buffer, (int)length), (long)stat.Size);
        }
        finally
        {
            Libc.Close(pathFd);
        }
    }

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
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Libc.EINTR)
                    {
                        continue;
                    }

                    throw new IOException($"cannot read {Path.GetFileName(RealPath)}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
                }

                total += (int)n;
                if (total < buffer.Length)
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
