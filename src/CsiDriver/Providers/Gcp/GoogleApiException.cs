using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// A failed Google API call, already classified; <see cref="Exception.Message"/> is upstream-like
/// (<c>rpc error: code = NotFound desc = ...</c>) and holds no token or payload.
/// Callers add the class and resource and rethrow as <see cref="SecretStoreException"/>.
/// </summary>
internal sealed class GoogleApiException(FailureKind kind, string message) : Exception(message)
{
    public FailureKind Kind { get; } = kind;

    /// <summary>
    /// The answer of <paramref name="call"/>; its failure is thrown again as the step that made the call words it
    /// (<paramref name="message"/> of the failure's message) and classifies it (<paramref name="kind"/> of its kind).
    /// </summary>
    public static async Task<T> RewordAsync<T>(Task<T> call, Func<FailureKind, FailureKind> kind, Func<string, string> message)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (GoogleApiException ex)
        {
            throw new GoogleApiException(kind(ex.Kind), message(ex.Message));
        }
    }
}
