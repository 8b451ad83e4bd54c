namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>Log messages of the ClusterExternalSecret reconciler (event ids 1390-1399). Never a value.</summary>
internal static partial class ClusterExternalSecretLog
{
    [LoggerMessage(1390, LogLevel.Information, "ClusterExternalSecret {Name}: ExternalSecret {Namespace}/{ExternalSecret} {Action}")]
    public static partial void ExternalSecretWritten(ILogger logger, string name, string @namespace, string externalSecret, string action);

    [LoggerMessage(1391, LogLevel.Warning, "ClusterExternalSecret {Name}: namespace {Namespace} failed: {Reason}")]
    public static partial void NamespaceFailed(ILogger logger, string name, string @namespace, string reason);
}
