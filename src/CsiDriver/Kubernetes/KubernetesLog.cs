namespace CsiDriver.Kubernetes;

/// <summary>Log lines of the Kubernetes integration (event ids 300-399). Names and reasons only, never tokens or values.</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(300, LogLevel.Information, "Kubernetes API: {Connection}")]
    public static partial void Connected(ILogger logger, string connection);

    [LoggerMessage(301, LogLevel.Debug, "Kubernetes API {Call} failed ({Kind}); attempt {Attempt}, retrying in {DelayMs:F0} ms")]
    public static partial void Retrying(ILogger logger, string call, string kind, int attempt, double delayMs);

    [LoggerMessage(302, LogLevel.Debug, "Kubernetes API {Call}: stale resourceVersion, re-reading (attempt {Attempt})")]
    public static partial void ConflictRetry(ILogger logger, string call, int attempt);

    [LoggerMessage(310, LogLevel.Information, "SecretProviderClassPodStatus {Namespace}/{Name} {Action}")]
    public static partial void PodStatusWritten(ILogger logger, string @namespace, string name, string action);

    [LoggerMessage(311, LogLevel.Warning, "Writing SecretProviderClassPodStatus {Namespace}/{Name} failed: {Message}")]
    public static partial void PodStatusFailed(ILogger logger, string @namespace, string name, string message);

    [LoggerMessage(312, LogLevel.Information, "SecretProviderClassPodStatus {Namespace}/{Name} deleted")]
    public static partial void PodStatusDeleted(ILogger logger, string @namespace, string name);

    [LoggerMessage(320, LogLevel.Warning, "Recording event {Reason} on pod {Namespace}/{Pod} failed: {Message}")]
    public static partial void EventFailed(ILogger logger, string reason, string @namespace, string pod, string message);

    [LoggerMessage(321, LogLevel.Debug, "Recorded {Type} event {Reason} on pod {Namespace}/{Pod} (count {Count})")]
    public static partial void EventRecorded(ILogger logger, string type, string reason, string @namespace, string pod, int count);

    [LoggerMessage(390, LogLevel.Warning, "Publish observer {Observer} failed; the publish itself is unaffected: {Message}")]
    public static partial void ObserverFailed(ILogger logger, string observer, string message);
}
