using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// A Key Vault or Entra ID failure before any SecretProviderClass is attached to it, so that one shared read
/// (a rotation pass reads an object once for every volume of the same identity) can fail every volume with a
/// message naming that volume's own class. The message is upstream's error text after
/// <c>failed to mount objects, error: </c>; it never holds a value, token or backend message text.
/// </summary>
internal sealed class AzureReadException(FailureKind kind, string error, string reason) : Exception(error)
{
    public FailureKind Kind { get; } = kind;

    /// <summary>The Kubernetes event reason (<c>AzureObjectNotFound</c>, <c>AzureKeyVaultError</c>, <c>AzureAuthFailed</c>).</summary>
    public string Reason { get; } = reason;

    /// <summary>The error as one volume reports it.</summary>
    public SecretStoreException ForClass(string classDescription) =>
        new(Kind, $"SecretProviderClass {classDescription}: failed to mount objects, error: {Message}") { Reason = Reason };
}
