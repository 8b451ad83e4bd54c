namespace CsiDriver.Publishing;

/// <summary>
/// The per-volume and per-target locks every writer of a volume takes (kubelet's calls and the rotation
/// loop), always volume first, then target, so a rotation never races an unpublish of the same volume.
/// </summary>
internal sealed class VolumeLocks
{
    private readonly KeyedLock _volumes = new();
    private readonly KeyedLock _targets = new();

    /// <summary>Calls waiting because another call holds the same volume or target (a kubelet call behind a rotation fetch, say).</summary>
    public int Waiting => _volumes.Waiting + _targets.Waiting;

    public async Task<IDisposable> AcquireAsync(string volumeId, string targetPath, CancellationToken cancellationToken)
    {
        var volume = await _volumes.AcquireAsync(volumeId, cancellationToken).ConfigureAwait(false);
        try
        {
            var target = await _targets.AcquireAsync(targetPath, cancellationToken).ConfigureAwait(false);
            return new Both(volume, target);
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            second.Dispose();
            first.Dispose();
        }
    }
}
