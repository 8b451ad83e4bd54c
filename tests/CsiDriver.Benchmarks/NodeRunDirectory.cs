using CsiDriver.Mounting;

namespace CsiDriver.Benchmarks;

/// <summary>
/// The driver's <c>--state-dir</c> on a tmpfs, where the DaemonSet puts it (<c>/var/run</c> on the node is a tmpfs), so a
/// volume record costs in the benchmark what it costs on a node. On the disk under the temp folder, the record's create
/// and rename cost more than the rest of a publish's file work (ext4 inode allocation after many deletes).
/// </summary>
internal sealed class NodeRunDirectory : IDisposable
{
    private const int MntDetach = 2; // MNT_DETACH: a driver still running after a failed run does not keep the folder.

    private readonly string _root;
    private readonly bool _mounted;

    private NodeRunDirectory(string root, bool mounted)
    {
        _root = root;
        _mounted = mounted;
        StateDir = Path.Combine(root, "state");
    }

    /// <summary>The folder to pass as <c>--state-dir</c> (the driver creates it).</summary>
    public string StateDir { get; }

    /// <summary>Mounts a tmpfs at <c>run</c> under <paramref name="work"/>; without the rights to mount, says so and uses the plain folder.</summary>
    public static NodeRunDirectory Create(string work)
    {
        var root = Directory.CreateDirectory(Path.Combine(work, "run")).FullName;
        var mounted = Libc.Mount("tmpfs", root, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, "size=67108864,mode=0755") == 0;
        if (!mounted)
        {
            Console.Error.WriteLine($"note: could not mount a tmpfs for the driver's state folder (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}); records go to the disk under {root}");
        }

        return new NodeRunDirectory(root, mounted);
    }

    public void Dispose()
    {
        if (_mounted)
        {
            _ = Libc.Umount2(_root, MntDetach);
        }
    }
}
