namespace CsiDriver.Sync;

/// <summary>Log lines of Secret sync (event ids 750-799). Secret names and causes only, never a value.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(750, LogLevel.Information, "Synced Secret {Namespace}/{Secret} {Action} (SecretProviderClass {Class}, pod {Pod})")]
    public static partial void SecretWritten(ILogger logger, string @namespace, string secret, string action, string @class, string pod);

    [LoggerMessage(751, LogLevel.Debug, "Synced Secret {Namespace}/{Secret} unchanged; no API call (SecretProviderClass {Class})")]
    public static partial void SecretUnchanged(ILogger logger, string @namespace, string secret, string @class);

    [LoggerMessage(752, LogLevel.Warning, "Secret sync failed for Secret {Namespace}/{Secret} (SecretProviderClass {Class}, pod {Pod}); the mount itself succeeded: {Cause}")]
    public static partial void SyncFailed(ILogger logger, string @namespace, string secret, string @class, string pod, string cause);

    [LoggerMessage(753, LogLevel.Warning, "Secret {Namespace}/{Secret} exists and is not managed by the driver (no label secrets-store.csi.k8s.io/managed=true); left unchanged (SecretProviderClass {Class})")]
    public static partial void NotOurs(ILogger logger, string @namespace, string secret, string @class);

    [LoggerMessage(754, LogLevel.Warning, "Secret sync skipped for SecretProviderClass {Class} (pod {Pod}): the publish outcome carried no file contents")]
    public static partial void NoContents(ILogger logger, string @class, string pod);
}
