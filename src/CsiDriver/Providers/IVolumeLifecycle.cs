namespace CsiDriver.Providers;

/// <summary>
/// Optional for providers that hold per-volume state outside the volume (e.g. Vault leases):
/// told when a volume is removed so they can release it.
/// </summary>
public interface IVolumeLifecycle
{
    /// <summary>Called after the volume at <paramref name="targetPath"/> was unmounted. Must not throw for backend trouble.</summary>
    Task OnVolumeRemovedAsync(string targetPath, CancellationToken cancellationToken);
}
