using CsiDriver.State;

namespace CsiDriver.ExternalSecrets.Hosting;

/// <summary>The controller mounts nothing: an always-empty registry, so the metrics shared with the driver report no volumes.</summary>
internal sealed class NoVolumeRegistry : IVolumeRegistry
{
    public IReadOnlyCollection<VolumeRecord> All => [];

    public VolumeRecord? Get(string volumeId) => null;

    public VolumeRecord? FindByTarget(string targetPath) => null;

    public void Save(VolumeRecord record) => throw new InvalidOperationException("the External Secrets controller records no volumes");

    public void Remove(string volumeId)
    {
    }
}
