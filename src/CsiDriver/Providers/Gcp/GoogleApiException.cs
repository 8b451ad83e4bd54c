using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// A failed Google API call, already classified; <see cref="Exception.Message"/> is upstream-like
/// (<c>rpc error: code = NotFound desc = ...</c>) and holds no token or payload.
/// Callers add the class and resource and rethrow as <see cref="SecretStoreException"/>.
/// </summary>
internal sealed class GoogleApiException : Exception
{
    public GoogleApiException(FailureKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public FailureKind Kind { get; }
}
