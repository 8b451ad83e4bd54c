namespace CsiDriver.Providers.Azure;

/// <summary>The Azure provider's log lines (event ids 550-599). Never a token, secret or assertion.</summary>
internal static partial class AzureLog
{
    [LoggerMessage(550, LogLevel.Debug, "Azure token acquired via {Mode} for tenant {Tenant}, scope {Scope}, valid {Seconds}s")]
    public static partial void TokenAcquired(ILogger logger, string mode, string tenant, string scope, long seconds);

    [LoggerMessage(551, LogLevel.Debug, "Key Vault {VaultHost} challenged for scope {Scope}")]
    public static partial void ChallengeScope(ILogger logger, string vaultHost, string scope);

    [LoggerMessage(552, LogLevel.Debug, "Fetched {ObjectType}/{ObjectName} version {Version} from {VaultHost} for {Class}")]
    public static partial void ObjectFetched(ILogger logger, string objectType, string objectName, string version, string vaultHost, string @class);

    [LoggerMessage(553, LogLevel.Information, "Azure provider: vault requests go to {Endpoint} (endpoint override)")]
    public static partial void EndpointOverride(ILogger logger, string endpoint);

    [LoggerMessage(554, LogLevel.Information, "Key Vault {VaultHost} throttled {ObjectType}/{ObjectName} (attempt {Attempt}); retrying in {Seconds}s")]
    public static partial void Throttled(ILogger logger, string objectType, string objectName, string vaultHost, int attempt, double seconds);

    [LoggerMessage(555, LogLevel.Debug, "{ObjectType}/{ObjectName} version {Version} from {VaultHost} for {Class}: pinned and already in the volume, served from memory")]
    public static partial void ServedFromMemory(ILogger logger, string objectType, string objectName, string version, string vaultHost, string @class);
}
