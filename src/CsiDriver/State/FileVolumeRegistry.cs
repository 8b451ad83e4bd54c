using CsiDriver.Mounting;
using CsiDriver.Observability;
using CsiDriver.Publishing;

namespace CsiDriver.State;

/// <summary>
/// One small JSON file per volume under <c>--state-dir</c>, replaced with rename(2) so a crash
/// leaves the old record or the new one. No fsync: the records only matter while the node's
/// mounts exist, and a node crash takes the mounts (tmpfs) with it.
/// </summary>
internal sealed class FileVolumeRegistry(string directory, ILogger<FileVolumeRegistry> logger) : IVolumeRegistry
{
    private const string Extension = ".json";

    // Created with the registry, so the first save finds its folder.
    private readonly string _directory = Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
    private readonly ConcurrentDictionary<string, VolumeRecord> _records = new(StringComparer.Ordinal);

    public IReadOnlyCollection<VolumeRecord> All => _records.Values.ToList();

    public VolumeRecord? Get(string volumeId) => _records.GetValueOrDefault(volumeId);

    public VolumeRecord? FindByTarget(string targetPath)
    {
        // Enumerated in place: Values would take every bucket lock and copy every record, on each publish and unpublish.
        foreach (var (_, record) in _records)
        {
            if (record.TargetPath == targetPath)
            {
                return record;
            }
        }

        return null;
    }

    public void Save(VolumeRecord record)
    {
        if (_records.TryGetValue(record.VolumeId, out var existing) && existing.SameContentAs(record))
        {
            // Only timestamps moved: rotation reads them from memory, so the file is not rewritten.
            _records[record.VolumeId] = record;
            return;
        }

        var path = PathFor(record.VolumeId);
        var temp = path + ".tmp";
        try
        {
            PosixFiles.ReplaceFile(path, temp, JsonSerializer.SerializeToUtf8Bytes(record, StateJsonContext.Default.VolumeRecord), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (IOException ex)
        {
            throw new SecretStoreException(FailureKind.Internal, $"cannot record volume {record.VolumeId} in {_directory}: {ex.Message}", ex);
        }

        _records[record.VolumeId] = record;
    }

    public void Remove(string volumeId)
    {
        _records.TryRemove(volumeId, out _);
        PosixFiles.DeleteFile(PathFor(volumeId));
    }

    /// <summary>Reads every record at start; <see cref="StartupReconciler"/> then decides which still hold.</summary>
    public IReadOnlyList<VolumeRecord> Load()
    {
        foreach (var temp in Directory.EnumerateFiles(_directory, "*.tmp"))
        {
            File.Delete(temp); // A crash mid-save; the previous record (if any) is intact.
        }

        foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            VolumeRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(File.ReadAllBytes(path), StateJsonContext.Default.VolumeRecord);
            }
            catch (JsonException)
            {
                record = null;
            }

            if (record is null || PathFor(record.VolumeId) != path)
            {
                DriverLog.StateRecordDropped(logger, Path.GetFileName(path), "unreadable");
                File.Delete(path);
                continue;
            }

            _records[record.VolumeId] = record;
        }

        return _records.Values.ToList();
    }

    // volume_id is opaque and caller-chosen, so it never becomes a path as it is.
    private string PathFor(string volumeId) =>
        Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(volumeId)))[..32] + Extension);
}
