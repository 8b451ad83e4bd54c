using CsiDriver.Mounting;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.State;

namespace CsiDriver.Publishing;

/// <summary>
/// Takes a volume down: unmounts its tmpfs (the files go with it), removes the empty target and
/// forgets the volume. Never deletes files recursively, so a wrong target path cannot wipe a directory.
/// </summary>
internal sealed class VolumeUnpublisher(IMounter mounter, IVolumeRegistry registry, ProviderRegistry providers, ILogger<VolumeUnpublisher> logger, PublishObservers observers)
{
    // Stacked mounts peeled at most; more than this at one target is not the driver's doing.
    private const int MaxStackedMounts = 16;

    public async Task UnpublishAsync(string volumeId, string targetPath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = registry.Get(volumeId) ?? registry.FindByTarget(targetPath);
        mounter.Unmount(targetPath);
        RemoveTarget(targetPath);

        // Before the record goes, so a retried unpublish still finds the provider.
        if (record is not null && providers.Find(record.Provider) is IVolumeLifecycle lifecycle)
        {
            await lifecycle.OnVolumeRemovedAsync(targetPath, cancellationToken).ConfigureAwait(false);
        }

        registry.Remove(volumeId);
        if (registry.FindByTarget(targetPath) is { } other)
        {
            registry.Remove(other.VolumeId);
        }

        DriverLog.VolumeUnpublished(logger, volumeId, targetPath);
        await observers.UnpublishedAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes the target once it is empty. A mount stacked under the one just removed (two mounts at one target: a
    /// crash, or another tool) makes rmdir fail, and is peeled then, so the common case costs no extra umount2.
    /// </summary>
    private void RemoveTarget(string targetPath)
    {
        for (var peeled = 0; ; peeled++)
        {
            try
            {
                PosixFiles.DeleteEmptyDirectory(targetPath);
                return;
            }
            catch (IOException) when (peeled < MaxStackedMounts && mounter.IsMountPoint(targetPath))
            {
                mounter.Unmount(targetPath);
            }
            catch (IOException ex) when (Directory.Exists(targetPath))
            {
                throw new SecretStoreException(FailureKind.Internal, $"target {targetPath} is not empty after unmount; refusing to delete files the driver did not write ({ex.Message})");
            }
        }
    }
}
