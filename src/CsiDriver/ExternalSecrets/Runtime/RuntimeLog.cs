namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>Log lines of the External Secrets controller runtime (event ids 1300-1349). Names and kinds only, never values.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1300, LogLevel.Information, "Listed {Resource}: {Count} objects at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion);

    [LoggerMessage(1301, LogLevel.Information, "Watch of {Resource} expired (410 Gone): listing again")]
    public static partial void Relisting(ILogger logger, string resource);

    [LoggerMessage(1302, LogLevel.Warning, "Watch of {Resource} failed ({Reason}); retrying in {DelayMs:F0} ms")]
    public static partial void WatchFailed(ILogger logger, string resource, string reason, double delayMs);

    [LoggerMessage(1303, LogLevel.Warning, "Reconciling {Kind} {Key} threw {Exception}; retrying with backoff")]
    public static partial void ReconcileThrew(ILogger logger, string kind, string key, string exception);

    [LoggerMessage(1304, LogLevel.Debug, "Reconciling {Kind} {Key} failed ({Failures} in a row); retrying in {DelaySeconds:F0} s")]
    public static partial void ReconcileFailed(ILogger logger, string kind, string key, int failures, double delaySeconds);

    [LoggerMessage(1310, LogLevel.Information, "Became the leader on lease {Namespace}/{Name} as {Identity}")]
    public static partial void BecameLeader(ILogger logger, string @namespace, string name, string identity);

    [LoggerMessage(1311, LogLevel.Warning, "Lost the lease {Namespace}/{Name} ({Identity}): workers stopped, campaigning again")]
    public static partial void LostLeadership(ILogger logger, string @namespace, string name, string identity);

    [LoggerMessage(1312, LogLevel.Information, "Released the lease {Namespace}/{Name} ({Identity})")]
    public static partial void ReleasedLease(ILogger logger, string @namespace, string name, string identity);

    [LoggerMessage(1313, LogLevel.Debug, "Lease {Namespace}/{Name}: {Message}")]
    public static partial void LeaseCallFailed(ILogger logger, string @namespace, string name, string message);

    [LoggerMessage(1320, LogLevel.Information, "External Secrets controller started: watching {Scope}, {Workers} worker(s) per kind, kinds {Kinds}, leader election {LeaderElection}")]
    public static partial void Started(ILogger logger, string scope, int workers, string kinds, string leaderElection);

    [LoggerMessage(1321, LogLevel.Information, "Caches synced; starting workers")]
    public static partial void WorkersStarting(ILogger logger);

    [LoggerMessage(1322, LogLevel.Warning, "No reconciler is registered for {Kind}: its objects are cached but not reconciled")]
    public static partial void NoReconciler(ILogger logger, string kind);

    [LoggerMessage(1323, LogLevel.Information, "External Secrets controller stopping: finishing reconciles in flight")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(1324, LogLevel.Information, "Serving metrics and health on {MetricsUrl}")]
    public static partial void MetricsListening(ILogger logger, string metricsUrl);
}
