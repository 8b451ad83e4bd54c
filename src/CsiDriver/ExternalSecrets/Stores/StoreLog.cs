namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>Log lines of the vault and kubernetes store providers (event ids 1450-1499). Names only: never a token or a value.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(1450, LogLevel.Debug, "Logged in to Vault {Principal} for {Store}; token TTL {TtlSeconds}s")]
    public static partial void LoggedIn(ILogger logger, string principal, string store, long ttlSeconds);

    [LoggerMessage(1451, LogLevel.Information, "Vault refused the cached token of {Principal} for {Store}; logging in again once")]
    public static partial void Relogin(ILogger logger, string principal, string store);

    [LoggerMessage(1452, LogLevel.Debug, "Connected {Store} as {Identity}")]
    public static partial void Connected(ILogger logger, string store, string identity);
}
