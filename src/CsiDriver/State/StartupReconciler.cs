using CsiDriver.Mounting;
using CsiDriver.Observability;

namespace CsiDriver.State;

/// <summary>
/// Brings the node back to a consistent state after a restart or a crash, before kubelet can call:
/// records of volumes no longer mounted are dropped, a first publish that was cut off between
/// mount and write is unmounted and removed, and crash leftovers inside live volumes are swept.
/// </summary>
internal sealed class StartupReconciler
{
    private readonly FileVolumeRegistry _registry;
    private readonly IMounter _mounter;
    private readonly IAtomicWriter _writer;
    private readonly ILogger<StartupReconciler> _logger;

    public StartupReconciler(FileVolumeRegistry registry, IMounter mounter, IAtomicWriter writer, ILogger<StartupReconciler> logger)
    {
        _registry = registry;
        _mounter = mounter;
        _writer = writer;
        _logger = logger;
    }

    /// <summary>Returns how many volumes are live after reconciling.</summary>
    public int Reconcile()
    {
        foreach (var record in _registry.Load())
        {
            if (!_mounter.IsMountPoint(record.TargetPath))
            {
                DriverLog.StateRecordDropped(_logger, record.VolumeId, "target no longer mounted");
                _registry.Remove(record.VolumeId);
                continue;
            }

            if (!_writer.HasLiveFiles(record.TargetPath))
            {
                // Only a first publish leaves a mount without a file set; kubelet will retry it from scratch.
                _mounter.Unmount(record.TargetPath);
                TryRemoveEmptyDirectory(record.TargetPath);
                DriverLog.StateRecordDropped(_logger, record.VolumeId, "first publish was interrupted; its tmpfs was unmounted");
                _registry.Remove(record.VolumeId);
                continue;
            }

            _writer.Recover(record.TargetPath);
        }

        return _registry.All.Count;
    }

    private static void TryRemoveEmptyDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: false);
        }
        catch (IOException)
        {
            // Not empty or already gone: never delete files we did not write.
        }
    }
}
