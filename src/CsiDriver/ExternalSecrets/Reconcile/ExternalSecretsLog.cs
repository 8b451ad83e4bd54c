namespace CsiDriver.ExternalSecrets;

/// <summary>
/// Log messages of the ExternalSecret, PushSecret and store reconcilers (event ids 1400-1449); <c>Kind</c> names the
/// resource the reconcile was for. Never a value.
/// </summary>
internal static partial class ExternalSecretsLog
{
    [LoggerMessage(1400, LogLevel.Information, "ExternalSecret {Namespace}/{Name}: Secret {Secret} {Action}")]
    public static partial void SecretWritten(ILogger logger, string @namespace, string name, string secret, string action);

    [LoggerMessage(1401, LogLevel.Warning, "{Kind} {Namespace}/{Name} not synced: {Reason}")]
    public static partial void SyncFailed(ILogger logger, string kind, string @namespace, string name, string reason);

    [LoggerMessage(1402, LogLevel.Debug, "{Kind} {Namespace}/{Name}: changed concurrently, requeued")]
    public static partial void Conflict(ILogger logger, string kind, string @namespace, string name);

    [LoggerMessage(1403, LogLevel.Debug, "{Kind} {Namespace}/{Name} skipped: {Reason}")]
    public static partial void Skipped(ILogger logger, string kind, string @namespace, string name, string reason);

    [LoggerMessage(1404, LogLevel.Information, "{Kind} {Name}: Ready {Status} ({Reason})")]
    public static partial void StoreValidated(ILogger logger, string kind, string name, string status, string reason);

    [LoggerMessage(1405, LogLevel.Warning, "Recording event {Reason} on {Kind} {Namespace}/{Name} failed: {Message}")]
    public static partial void EventFailed(ILogger logger, string reason, string kind, string @namespace, string name, string message);
}
