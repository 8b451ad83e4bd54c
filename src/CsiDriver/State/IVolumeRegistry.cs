namespace CsiDriver.State;

/// <summary>The node-local set of published volumes, kept across driver restarts.</summary>
public interface IVolumeRegistry
{
    VolumeRecord? Get(string volumeId);

    /// <summary>The volume published at <paramref name="targetPath"/>, if any.</summary>
    VolumeRecord? FindByTarget(string targetPath);

    IReadOnlyCollection<VolumeRecord> All { get; }

    void Save(VolumeRecord record);

    void Remove(string volumeId);
}
