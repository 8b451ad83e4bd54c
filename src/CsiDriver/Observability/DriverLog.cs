using Grpc.Core;

namespace CsiDriver.Observability;

/// <summary>
/// Every log line the driver writes, with stable event ids operators can alert on. Parameters
/// are names, paths, codes and counts: never secret values or tokens.
/// </summary>
internal static partial class DriverLog
{
    [LoggerMessage(1, LogLevel.Information, "Driver {DriverName} {Version} serving CSI on {SocketPath} (node {NodeId})")]
    public static partial void Started(ILogger logger, string driverName, string version, string socketPath, string nodeId);

    [LoggerMessage(2, LogLevel.Information, "Providers available: {Providers}")]
    public static partial void ProvidersAvailable(ILogger logger, string providers);

    [LoggerMessage(3, LogLevel.Information, "Reloaded {Count} volume record(s) from {StateDir}")]
    public static partial void StateReloaded(ILogger logger, int count, string stateDir);

    [LoggerMessage(4, LogLevel.Warning, "Dropped volume record {Record}: {Why}")]
    public static partial void StateRecordDropped(ILogger logger, string record, string why);

    [LoggerMessage(5, LogLevel.Information, "Shutting down: no new calls accepted, waiting for calls in flight")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(6, LogLevel.Warning, "Removed stale socket {SocketPath} left by an earlier process")]
    public static partial void StaleSocketRemoved(ILogger logger, string socketPath);

    [LoggerMessage(7, LogLevel.Information, "Serving metrics and health on {MetricsUrl}")]
    public static partial void MetricsListening(ILogger logger, string metricsUrl);

    [LoggerMessage(10, LogLevel.Debug, "{Method} -> {Status} in {ElapsedMs:F2} ms")]
    public static partial void RpcCompleted(ILogger logger, string method, StatusCode status, double elapsedMs);

    [LoggerMessage(11, LogLevel.Error, "{Method} failed with an unexpected error")]
    public static partial void RpcFailedUnexpectedly(ILogger logger, string method, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "Published volume {VolumeId} at {TargetPath} from {Class} via {Provider}: {Files} file(s), {Outcome}")]
    public static partial void VolumePublished(ILogger logger, string volumeId, string targetPath, string @class, string provider, int files, string outcome);

    [LoggerMessage(21, LogLevel.Warning, "Publishing volume {VolumeId} at {TargetPath} failed ({Reason}): {Message}")]
    public static partial void VolumePublishFailed(ILogger logger, string volumeId, string targetPath, string reason, string message);

    [LoggerMessage(22, LogLevel.Information, "Unpublished volume {VolumeId} from {TargetPath}")]
    public static partial void VolumeUnpublished(ILogger logger, string volumeId, string targetPath);

    [LoggerMessage(23, LogLevel.Warning, "Cleaning up after a failed first publish of {VolumeId} at {TargetPath} failed: {Message}")]
    public static partial void CleanupFailed(ILogger logger, string volumeId, string targetPath, string message);
}
