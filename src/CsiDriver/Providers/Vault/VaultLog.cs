namespace CsiDriver.Providers.Vault;

/// <summary>Log lines of the Vault provider (event ids 400-449). Names, paths and counts only: never a token or a value.</summary>
internal static partial class VaultLog
{
    [LoggerMessage(400, LogLevel.Debug, "Logged in to Vault for {Identity}; token TTL {TtlSeconds}s")]
    public static partial void LoggedIn(ILogger logger, string identity, long ttlSeconds);

    [LoggerMessage(401, LogLevel.Debug, "Reusing the cached Vault token for {Identity}")]
    public static partial void TokenReused(ILogger logger, string identity);

    [LoggerMessage(402, LogLevel.Information, "Vault refused the cached token for {Identity} on {Operation}; logging in again once")]
    public static partial void ReloginAfterDenied(ILogger logger, string identity, string operation);

    [LoggerMessage(403, LogLevel.Debug, "Reusing leased secret {Path} for {TargetPath} (expires {ExpiresAt:O})")]
    public static partial void LeaseReused(ILogger logger, string path, string targetPath, DateTimeOffset expiresAt);

    [LoggerMessage(404, LogLevel.Information, "Renewed lease of {Path} for {TargetPath}: {TtlSeconds}s more")]
    public static partial void LeaseRenewed(ILogger logger, string path, string targetPath, long ttlSeconds);

    [LoggerMessage(405, LogLevel.Warning, "Renewing the lease of {Path} for {TargetPath} failed ({Problem}); issuing new credentials")]
    public static partial void LeaseRenewFailed(ILogger logger, string path, string targetPath, string problem);

    [LoggerMessage(406, LogLevel.Information, "Issuing new credentials from {Path} for {TargetPath}: {Why}")]
    public static partial void LeaseReissued(ILogger logger, string path, string targetPath, string why);

    [LoggerMessage(407, LogLevel.Information, "Revoked lease of {Path} for removed volume {TargetPath}")]
    public static partial void LeaseRevoked(ILogger logger, string path, string targetPath);

    [LoggerMessage(408, LogLevel.Warning, "Revoking the lease of {Path} for removed volume {TargetPath} failed ({Problem}); it expires on its own")]
    public static partial void LeaseRevokeFailed(ILogger logger, string path, string targetPath, string problem);

    [LoggerMessage(409, LogLevel.Debug, "Read {Operation} from Vault {Address} for {Class}")]
    public static partial void SecretRead(ILogger logger, string operation, string address, string @class);

    [LoggerMessage(410, LogLevel.Debug, "Serving pinned version {Version} of {Path} for {TargetPath} from memory: the volume already has it")]
    public static partial void PinnedVersionFromMemory(ILogger logger, string version, string path, string targetPath);

    [LoggerMessage(411, LogLevel.Debug, "The leased answer of {Path} read in this rotation pass belongs to another volume; reading again for {TargetPath}")]
    public static partial void LeasedReadNotShared(ILogger logger, string path, string targetPath);
}
