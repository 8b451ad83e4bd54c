using CsiDriver.Providers;

namespace CsiDriver.State;

/// <summary>
/// What the node remembers about one published volume so rotation and restarts can find it.
/// References only: never a secret value, never a token.
/// </summary>
public sealed record VolumeRecord
{
    public required string VolumeId { get; init; }

    public required string TargetPath { get; init; }

    public required string PodName { get; init; }

    public required string PodNamespace { get; init; }

    public required string PodUid { get; init; }

    public string ServiceAccountName { get; init; } = string.Empty;

    public required string SecretProviderClass { get; init; }

    public required string Provider { get; init; }

    public int? FsGroup { get; init; }

    /// <summary>
    /// Mounting while a first publish's tmpfs is mounted ahead of its fetch; a restart cleans up any first publish that
    /// has no live file set, whatever its phase.
    /// </summary>
    public VolumePhase Phase { get; init; } = VolumePhase.Published;

    /// <summary>The volume attributes kubelet passed, minus the service-account tokens.</summary>
    public IReadOnlyDictionary<string, string> VolumeAttributes { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<ObjectVersion> ObjectVersions { get; init; } = [];

    public DateTimeOffset PublishedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The class's resourceVersion (or a fingerprint of its spec when it has none) at the last fetch.</summary>
    public string? ClassVersion { get; init; }

    /// <summary>The class's refresh annotation value at the last fetch (null when unset).</summary>
    public string? ClassRefresh { get; init; }

    /// <summary>When the objects now live were fetched. Kept current in memory; written to disk only with other changes.</summary>
    public DateTimeOffset FetchedAt { get; init; }

    /// <summary>True when nothing rotation cares about differs (timestamps aside).</summary>
    public bool SameContentAs(VolumeRecord other) =>
        VolumeId == other.VolumeId && TargetPath == other.TargetPath && PodName == other.PodName &&
        PodNamespace == other.PodNamespace && PodUid == other.PodUid && ServiceAccountName == other.ServiceAccountName &&
        SecretProviderClass == other.SecretProviderClass && Provider == other.Provider && FsGroup == other.FsGroup && Phase == other.Phase &&
        ClassVersion == other.ClassVersion && ClassRefresh == other.ClassRefresh &&
        ObjectVersions.SequenceEqual(other.ObjectVersions) &&
        SameAttributes(VolumeAttributes, other.VolumeAttributes);

    /// <summary>True when both attribute maps hold the same entries.</summary>
    public static bool SameAttributes(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>Where a volume is in its life on this node.</summary>
public enum VolumePhase
{
    /// <summary>A tmpfs may be mounted but no complete file set is live yet.</summary>
    Mounting,

    /// <summary>A complete file set is live behind ..data.</summary>
    Published,
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(VolumeRecord))]
internal sealed partial class StateJsonContext : JsonSerializerContext
{
}
