using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;

namespace CsiDriver.Rotation;

/// <summary>
/// Decides from the registry alone (no backend call) whether a volume must be fetched again: the refresh
/// annotation changed (always, except CreatedOnce), the class changed (Periodic, OnChange), or the class's
/// interval has passed since the last fetch (Periodic). CreatedOnce volumes are never fetched again.
/// </summary>
internal sealed class RotationSchedule(RotationOptions options)
{
    public TimeSpan IntervalOf(SecretProviderClass spc) => spc.Rotation.Interval is { } interval && interval > TimeSpan.Zero ? interval : options.PollInterval;

    public bool IsDue(VolumeRecord record, SecretProviderClass spc, DateTimeOffset now) => spc.Rotation.Policy switch
    {
        RotationPolicy.CreatedOnce => false,
        _ when !string.Equals(spc.Annotations.GetValueOrDefault(SecretProviderClass.RefreshAnnotation), record.ClassRefresh, StringComparison.Ordinal) => true,
        _ when record.ClassVersion is not null && record.ClassVersion != ClassFingerprint.Of(spc) => true,
        RotationPolicy.OnChange => false,
        _ => now - record.FetchedAt >= IntervalOf(spc),
    };
}

/// <summary>
/// With rotation on, a kubelet republish of a live volume fetches only when the schedule says it is due
/// (or kubelet now describes the volume differently); otherwise it is answered from the mount. With
/// rotation off every republish fetches, as before (the atomic writer leaves unchanged files alone).
/// </summary>
internal sealed class RepublishGate(RotationOptions options, RotationSchedule schedule, Microsoft.Extensions.Logging.ILogger<RepublishGate> logger)
{
    /// <summary>True to fetch; false to answer the republish from what is already mounted.</summary>
    public bool ShouldFetch(PublishRequest request, VolumeRecord previous, SecretProviderClass secretProviderClass, DateTimeOffset now)
    {
        if (!options.Enabled || request.Trigger != PublishTrigger.Kubelet ||
            previous.SecretProviderClass != secretProviderClass.Name || previous.TargetPath != request.TargetPath ||
            previous.PodUid != request.Pod.Uid || previous.FsGroup != request.FsGroup || !VolumeRecord.SameAttributes(previous.VolumeAttributes, request.VolumeAttributes) ||
            schedule.IsDue(previous, secretProviderClass, now))
        {
            return true;
        }

        RotationLog.RepublishSkipped(logger, request.VolumeId);
        return false;
    }
}
