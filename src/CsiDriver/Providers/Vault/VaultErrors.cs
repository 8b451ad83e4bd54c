using CsiDriver.Publishing;

namespace CsiDriver.Providers.Vault;

/// <summary>Turns Vault failures into pod-event messages: class, object, Vault's own <c>errors</c>; never a token.</summary>
internal static class VaultErrors
{
    public static SecretStoreException Login(VaultApiException ex, VaultSettings settings, ProviderRequest request, IEnumerable<string> sensitive)
    {
        var kind = ex.StatusCode is 400 or 401 or 403 ? FailureKind.PermissionDenied : KindOf(ex);
        var message =
            $"SecretProviderClass {request.Class.Description}: failed to login to Vault at {Where(settings)} " +
            $"(auth mount \"{settings.AuthMount}\", role \"{settings.RoleName}\", service account {request.Pod.Namespace}/{request.Pod.ServiceAccountName}): {ex.Message}";
        return new SecretStoreException(kind, Redact(message, sensitive), ex) { Reason = "VaultLoginFailed" };
    }

    public static SecretStoreException Read(VaultApiException ex, VaultSettings settings, ProviderRequest request, string objectName, IEnumerable<string> sensitive)
    {
        var message = $"SecretProviderClass {request.Class.Description}: couldn't read secret \"{objectName}\" from Vault at {Where(settings)}: {ex.Message}";
        return new SecretStoreException(KindOf(ex), Redact(message, sensitive), ex) { Reason = "VaultReadFailed" };
    }

    public static FailureKind KindOf(VaultApiException ex) => ex switch
    {
        { TooLarge: true } => FailureKind.TooLarge,
        { TimedOut: true } => FailureKind.Timeout,
        { StatusCode: null } => FailureKind.Unavailable,
        { StatusCode: 401 or 403 } => FailureKind.PermissionDenied,
        { StatusCode: 404 } => FailureKind.NotFound,
        { StatusCode: 412 or 429 or >= 500 } => FailureKind.Unavailable,
        _ => FailureKind.InvalidConfiguration,
    };

    /// <summary>Belt and braces: Vault's error texts should never echo a token, but if one did it stops here.</summary>
    public static string Redact(string message, IEnumerable<string> sensitive) =>
        sensitive.Where(secret => secret.Length >= 8).Aggregate(message, (text, secret) => text.Replace(secret, "[redacted]", StringComparison.Ordinal));

    private static string Where(VaultSettings settings) =>
        settings.Address.ToString().TrimEnd('/') + (settings.Namespace is null ? string.Empty : $" (namespace \"{settings.Namespace}\")");
}
