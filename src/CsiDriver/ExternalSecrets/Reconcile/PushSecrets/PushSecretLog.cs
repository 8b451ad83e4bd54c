namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>Log messages of the PushSecret reconciler (event ids 1360-1369). Never a value.</summary>
internal static partial class PushSecretLog
{
    [LoggerMessage(1360, LogLevel.Information, "PushSecret {Namespace}/{Name}: {Written} of {Entries} remote entries written, {Deleted} deleted")]
    public static partial void Pushed(ILogger logger, string @namespace, string name, int written, int entries, int deleted);

    [LoggerMessage(1361, LogLevel.Warning, "PushSecret {Namespace}/{Name} not synced: {Reason}")]
    public static partial void Failed(ILogger logger, string @namespace, string name, string reason);

    [LoggerMessage(1362, LogLevel.Debug, "PushSecret {Namespace}/{Name}: changed concurrently, requeued")]
    public static partial void Conflict(ILogger logger, string @namespace, string name);

    [LoggerMessage(1363, LogLevel.Debug, "PushSecret {Namespace}/{Name} skipped: {Reason}")]
    public static partial void Skipped(ILogger logger, string @namespace, string name, string reason);

    [LoggerMessage(1364, LogLevel.Information, "PushSecret {Namespace}/{Name}: {Store} {RemoteRef} deleted")]
    public static partial void RemoteDeleted(ILogger logger, string @namespace, string name, string store, string remoteRef);
}
