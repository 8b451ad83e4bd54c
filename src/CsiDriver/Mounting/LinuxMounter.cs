using System.Runtime.InteropServices;
using CsiDriver.Publishing;

namespace CsiDriver.Mounting;

/// <summary>tmpfs mounts through mount(2)/umount2(2); mount points found with statx(2).</summary>
internal sealed class LinuxMounter : IMounter
{
    public bool IsMountPoint(string path)
    {
        if (Libc.Statx(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_TYPE, out var stat) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Libc.ENOENT
                ? false
                : throw new SecretStoreException(FailureKind.Internal, $"cannot inspect {path}: {Libc.ErrorText(errno)}") { Reason = "FailedToEnsureMountPoint" };
        }

        if ((stat.AttributesMask & Libc.STATX_ATTR_MOUNT_ROOT) != 0)
        {
            return (stat.Attributes & Libc.STATX_ATTR_MOUNT_ROOT) != 0;
        }

        // Kernels before 5.8 do not report mount roots; the mount table always knows.
        return MountTable.IsMountPoint(path);
    }

    public void MountTmpfs(string target, TmpfsOptions options)
    {
        var owner = options.Group is { } gid ? "0750,uid=0,gid=" + gid.ToString(CultureInfo.InvariantCulture) : "0755";
        var data = string.Create(CultureInfo.InvariantCulture, $"size={options.SizeBytes},mode={owner}");
        if (Libc.Mount("tmpfs", target, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, data) != 0)
        {
            throw new SecretStoreException(FailureKind.Internal, $"cannot mount tmpfs at {target}: {Libc.ErrorText(Marshal.GetLastPInvokeError())}") { Reason = "FailedToMount" };
        }
    }

    public void Unmount(string target)
    {
        // umount2 itself says whether anything is mounted (EINVAL: not a mount root), so no lookup comes first,
        // and none after: asking again would cost a second umount2 (EINVAL) on every unpublish.
        if (Libc.Umount2(target, Libc.UMOUNT_NOFOLLOW) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINVAL || errno == Libc.ENOENT || (errno == Libc.EPERM && !IsMountPoint(target)))
            {
                return;
            }

            throw new SecretStoreException(FailureKind.Internal, $"cannot unmount {target}: {Libc.ErrorText(errno)}");
        }
    }
}
