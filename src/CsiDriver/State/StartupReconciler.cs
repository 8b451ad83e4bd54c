using CsiDriver.Mounting;
using CsiDriver.Observability;

namespace CsiDriver.State;

/// <summary>
/// Brings the node back to a consistent state after a restart or a crash, before kubelet can call:
/// records of volumes no longer mounted are dropped, a first publish that was cut off between
/// mount and write is unmounted and removed, and crash leftovers inside live volumes are swept.
/// </summary>
internal sealed class StartupReconciler(FileVolumeRegistry registry, IMounter mounter, IAtomicWriter writer, ILogger<StartupReconciler> logger)
{
    /// <summary>Returns how many volumes are live after reconciling.</summary>
    public int Reconcile()
    {
        foreach (var record in registry.Load())
        {
            if (!mounter.IsMountPoint(record.TargetPath))
            {
                DriverLog.StateRecordDropped(logger, record.VolumeId, "target no longer mounted");
                registry.Remove(record.VolumeId);
                continue;
            }

            if (!writer.HasLiveFiles(record.TargetPath))
            {
                // Only a first publish leaves a mount without a file set; kubelet will retry it from scratch.
                mounter.Unmount(record.TargetPath);
                try
                {
                    PosixFiles.DeleteEmptyDirectory(record.TargetPath);
                }
                catch (IOException)
                {
                    // Not empty: never delete files we did not write.
                }

                DriverLog.StateRecordDropped(logger, record.VolumeId, "first publish was interrupted; its tmpfs was unmounted");
                registry.Remove(record.VolumeId);
                continue;
            }

            writer.Recover(record.TargetPath);
        }

        return registry.All.Count;
    }
}
