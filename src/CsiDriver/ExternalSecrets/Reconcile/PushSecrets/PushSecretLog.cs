namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>Log messages of the PushSecret reconciler (event ids 1360-1369; failures, conflicts and skips are <see cref="ExternalSecretsLog"/>'s). Never a value.</summary>
internal static partial class PushSecretLog
{
    [LoggerMessage(1360, LogLevel.Information, "PushSecret {Namespace}/{Name}: {Written} of {Entries} remote entries written, {Deleted} deleted")]
    public static partial void Pushed(ILogger logger, string @namespace, string name, int written, int entries, int deleted);

    [LoggerMessage(1364, LogLevel.Information, "PushSecret {Namespace}/{Name}: {Store} {RemoteRef} deleted")]
    public static partial void RemoteDeleted(ILogger logger, string @namespace, string name, string store, string remoteRef);
}
