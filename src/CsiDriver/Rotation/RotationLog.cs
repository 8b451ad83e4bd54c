namespace CsiDriver.Rotation;

/// <summary>Rotation's log lines (event ids 700-749). Names, paths, counts and reasons: never values or tokens.</summary>
internal static partial class RotationLog
{
    [LoggerMessage(700, LogLevel.Information, "Rotation enabled: every {Interval} (with up to {JitterPercent}% jitter), {Concurrency} volume(s) at once")]
    public static partial void Started(ILogger logger, TimeSpan interval, int jitterPercent, int concurrency);

    [LoggerMessage(701, LogLevel.Information, "Rotation pass: {Volumes} volume(s), {Fetched} re-fetched, {Rotated} rotated, {Failed} failed, {Skipped} skipped, {NotDue} not due, {BackendReads} backend read(s) shared {SharedReads} time(s), in {ElapsedMs:F0} ms")]
    public static partial void PassCompleted(ILogger logger, int volumes, int fetched, int rotated, int failed, int skipped, int notDue, long backendReads, long sharedReads, double elapsedMs);

    [LoggerMessage(702, LogLevel.Information, "Rotated volume {VolumeId} ({Class}) at {TargetPath}")]
    public static partial void VolumeRotated(ILogger logger, string volumeId, string @class, string targetPath);

    [LoggerMessage(703, LogLevel.Warning, "Rotating volume {VolumeId} ({Class}) failed ({Reason}); the last good files stay: {Message}")]
    public static partial void VolumeRotationFailed(ILogger logger, string volumeId, string @class, string reason, string message);

    [LoggerMessage(704, LogLevel.Debug, "Volume {VolumeId} skipped this pass: {Why}")]
    public static partial void VolumeSkipped(ILogger logger, string volumeId, string why);

    [LoggerMessage(705, LogLevel.Information, "Volume {VolumeId}: its service-account tokens expired; waiting for kubelet's next republish to hand over fresh ones")]
    public static partial void TokensExpired(ILogger logger, string volumeId);

    [LoggerMessage(706, LogLevel.Warning, "Provider {Provider} failed ({Reason}); its volumes wait {Backoff} before the next try (failure {Failures} in a row)")]
    public static partial void BackingOff(ILogger logger, string provider, string reason, TimeSpan backoff, int failures);

    [LoggerMessage(707, LogLevel.Information, "Provider {Provider} answers again after {Failures} failure(s)")]
    public static partial void Recovered(ILogger logger, string provider, int failures);

    [LoggerMessage(708, LogLevel.Error, "Rotation pass failed unexpectedly; the next pass runs as scheduled")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(709, LogLevel.Warning, "SecretProviderClass {Class}: the backend could not be reached; served objects fetched {AgeSeconds:F0}s ago for {Identity} (staleIfError {WindowSeconds:F0}s)")]
    public static partial void StaleServed(ILogger logger, string @class, double ageSeconds, string identity, double windowSeconds);

    [LoggerMessage(710, LogLevel.Debug, "Kubelet republish of {VolumeId}: nothing due, answered without a backend call")]
    public static partial void RepublishSkipped(ILogger logger, string volumeId);

    [LoggerMessage(711, LogLevel.Information, "Rotation stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(712, LogLevel.Debug, "Next rotation pass in {Pause}")]
    public static partial void Sleeping(ILogger logger, TimeSpan pause);
}
