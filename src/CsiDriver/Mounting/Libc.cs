using System.Runtime.InteropServices;

namespace CsiDriver.Mounting;

/// <summary>The few Linux syscalls the driver needs, called directly: no shell tools in the image.</summary>
internal static partial class Libc
{
    public const int EINVAL = 22;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int ENOSYS = 38;
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_PATH = 0x200000;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_SIZE = 0x200;
    public const uint STATX_MTIME = 0x40;
    public const uint STATX_INO = 0x100;
    public const int S_IFDIR = 0x4000;
    public const int S_IFMT = 0xF000;
    public const int S_IFREG = 0x8000;
    public const int S_IFSOCK = 0xC000;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_DIRECTORY = 0x10000;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_BENEATH = 0x08;
    public const int UMOUNT_NOFOLLOW = 8;
    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const ulong MS_NOEXEC = 8;
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const uint STATX_TYPE = 0x1;
    public const ulong STATX_ATTR_MOUNT_ROOT = 0x2000;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fileSystemType, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rename(string oldPath, string newPath);

    /// <summary>rename(2), which replaces a symlink atomically whatever it points to.</summary>
    public static void RenameOrThrow(string oldPath, string newPath)
    {
        if (Rename(oldPath, newPath) != 0)
        {
            throw new IOException($"rename {Path.GetFileName(oldPath)} -> {Path.GetFileName(newPath)}: {ErrorText(Marshal.GetLastPInvokeError())}");
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Openat(int dirfd, string path, int flags, uint mode);

    /// <summary>
    /// openat2(2) (Linux 5.6): the kernel resolves <paramref name="path"/> under <paramref name="dirfd"/> and
    /// refuses, with EXDEV, any step that would leave it. -1 with ENOSYS on older kernels (or EPERM under a
    /// seccomp profile that predates it).
    /// </summary>
    public static int Openat2(int dirfd, string path, ulong flags, ulong resolve)
    {
        var how = new OpenHow { Flags = flags, Resolve = resolve };
        return (int)Syscall(SysOpenat2, dirfd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
    }

    // The one number every architecture shares: syscalls from 424 on were numbered once for all.
    private const long SysOpenat2 = 437;

    // syscall(2) is variadic, but glibc's is a register shuffle that never reads va_args, so a fixed signature is safe.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, int dirfd, string path, ref OpenHow how, nuint size);

    /// <summary>struct open_how from linux/openat2.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static unsafe partial nint Pread(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint Readlink(string path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, int owner, int group);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkdir(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rmdir(string path);

    [LibraryImport("libc", EntryPoint = "symlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Symlink(string target, string linkPath);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Lchown(string path, int owner, int group);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr Realpath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    public static partial void Free(IntPtr pointer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint Geteuid();

    /// <summary>The canonical absolute path with every symlink resolved, or null if it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var result = Realpath(path, IntPtr.Zero);
        if (result == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>struct statx from linux/stat.h; one layout on every architecture.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Nlink;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        public ushort Spare0;
        public ulong Ino;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public StatxTimestamp Atime;
        public StatxTimestamp Btime;
        public StatxTimestamp Ctime;
        public StatxTimestamp Mtime;
        public uint RdevMajor;
        public uint RdevMinor;
        public uint DevMajor;
        public uint DevMinor;
        public ulong MountId;
        public ulong Spare2;
        public unsafe fixed ulong Spare3[12];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatxTimestamp
    {
        public long Seconds;
        public uint Nanoseconds;
        public int Reserved;

        public readonly DateTimeOffset ToDateTimeOffset() => DateTimeOffset.FromUnixTimeSeconds(Seconds).AddTicks(Nanoseconds / 100);
    }
}
