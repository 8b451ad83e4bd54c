namespace CsiDriver.Publishing;

/// <summary>Why a publish failed, independent of the transport that reports it.</summary>
public enum FailureKind
{
    /// <summary>The SecretProviderClass or the request names something malformed or disallowed.</summary>
    InvalidConfiguration,

    /// <summary>The class, an object or an identity it needs does not exist.</summary>
    NotFound,

    /// <summary>The backend refused the pod's identity.</summary>
    PermissionDenied,

    /// <summary>The backend could not be reached or failed; retrying later may work.</summary>
    Unavailable,

    /// <summary>The backend did not answer in time.</summary>
    Timeout,

    /// <summary>An object or a response is larger than the configured limit.</summary>
    TooLarge,

    /// <summary>The target is already used by another volume, or the volume by another target.</summary>
    Conflict,

    /// <summary>The node-side work (mount, write, state) failed.</summary>
    Internal,
}

/// <summary>
/// A failure every layer below the CSI service reports: the message names the class, the
/// object and the cause, and never contains a secret value or a token.
/// </summary>
public sealed class SecretStoreException(FailureKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public FailureKind Kind { get; } = kind;

    /// <summary>A short machine-readable reason for metrics and events, e.g. <c>FileWriteError</c>.</summary>
    public string? Reason { get; init; }

    /// <summary>The provider the failing class names, once the pipeline knows it (for metrics).</summary>
    public string? Provider { get; set; }

    /// <summary>The metric/event reason: the explicit one, else the kind.</summary>
    public string ErrorType => Reason ?? Kind.ToString();
}
