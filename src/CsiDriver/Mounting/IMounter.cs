namespace CsiDriver.Mounting;

/// <summary>Mount-table operations on volume targets.</summary>
public interface IMounter
{
    /// <summary>True if <paramref name="path"/> is the root of a mount.</summary>
    bool IsMountPoint(string path);

    /// <summary>Mounts a fresh tmpfs at <paramref name="target"/>, which must exist.</summary>
    void MountTmpfs(string target, TmpfsOptions options);

    /// <summary>
    /// Unmounts the topmost mount at <paramref name="target"/>; no-op if nothing is mounted there. One call, not a
    /// loop until nothing is left: a mount stacked under it shows when the target is then removed (EBUSY).
    /// </summary>
    void Unmount(string target);
}

/// <summary>How a volume's tmpfs is mounted.</summary>
/// <param name="SizeBytes">The tmpfs size cap, so one volume cannot eat the node's memory.</param>
/// <param name="Group">The pod's fsGroup; the root directory is then group-owned by it.</param>
public sealed record TmpfsOptions(long SizeBytes, int? Group);
