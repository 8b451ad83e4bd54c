using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CsiDriver.Mounting;

/// <summary>
/// A directory held open with O_PATH, so names can be resolved relative to it (<see cref="OpenedFile.TryOpenBeneath"/>)
/// without walking its own path again. Closed when disposed, or by the finalizer.
/// </summary>
internal sealed class DirectoryHandle : SafeHandleMinusOneIsInvalid
{
    private DirectoryHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The open descriptor, valid while this handle is.</summary>
    public int Descriptor => (int)handle;

    /// <summary><paramref name="path"/> (symlinks followed) opened as a directory, or null with the errno when it is not one.</summary>
    public static DirectoryHandle? TryOpen(string path, out int errno) => TryOpenAt(Libc.AT_FDCWD, path, out errno);

    /// <summary>
    /// <paramref name="name"/> under <paramref name="parent"/>, symlinks followed wherever they lead (the operator
    /// places those), or null with the errno.
    /// </summary>
    public static DirectoryHandle? TryOpen(DirectoryHandle parent, string name, out int errno) => TryOpenAt(parent.Descriptor, name, out errno);

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;

    private static DirectoryHandle? TryOpenAt(int dirfd, string path, out int errno)
    {
        var fd = Libc.Openat(dirfd, path, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new DirectoryHandle(fd);
    }
}
