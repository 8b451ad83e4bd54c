namespace CsiDriver.Providers.Aws;

/// <summary>Log lines of the <c>aws</c> provider (event ids 450-499): names, regions, codes and counts only.</summary>
internal static partial class AwsLog
{
    [LoggerMessage(450, LogLevel.Information, "{Operation} in {Region} failed with {ErrorCode}; retry {Attempt} in {DelayMs:F0} ms")]
    public static partial void Retrying(ILogger logger, string operation, string region, string errorCode, int attempt, double delayMs);

    [LoggerMessage(451, LogLevel.Warning, "Pod Identity agent at {Endpoint} unreachable: {Cause}")]
    public static partial void PodIdentityEndpointFailed(ILogger logger, string endpoint, string cause);

    [LoggerMessage(452, LogLevel.Information, "Assumed role {RoleArn} for pod {Namespace}/{Pod} via {Region} (expires {Expiration:O})")]
    public static partial void RoleAssumed(ILogger logger, string roleArn, string @namespace, string pod, string region, DateTimeOffset? expiration);

    [LoggerMessage(453, LogLevel.Information, "BatchGetSecretValue denied for {Principal}; using GetSecretValue per secret from now on")]
    public static partial void BatchDenied(ILogger logger, string principal);

    [LoggerMessage(454, LogLevel.Warning, "{Class}: {Region} failed ({Cause}); using failover region {FailoverRegion}")]
    public static partial void FailingOver(ILogger logger, string @class, string region, string cause, string failoverRegion);

    [LoggerMessage(455, LogLevel.Debug, "{Class}: secret {SecretId} unchanged at version {VersionId}; served from memory after DescribeSecret")]
    public static partial void SecretUnchanged(ILogger logger, string @class, string secretId, string versionId);

    [LoggerMessage(456, LogLevel.Information, "Node region {Region} read from instance metadata")]
    public static partial void RegionFromImds(ILogger logger, string region);

    [LoggerMessage(457, LogLevel.Warning, "{Class}: objects {First} and {Second} both write file {File}; the later one wins, as upstream")]
    public static partial void DuplicateFile(ILogger logger, string @class, string first, string second, string file);

    [LoggerMessage(458, LogLevel.Debug, "Got Pod Identity credentials for pod {Namespace}/{Pod} (expires {Expiration:O})")]
    public static partial void PodIdentityCredentials(ILogger logger, string @namespace, string pod, DateTimeOffset? expiration);

    [LoggerMessage(459, LogLevel.Debug, "Pod {Namespace}/{Pod}: credentials of {Identity} obtained earlier by another pod of the same service account reused in this rotation pass")]
    public static partial void CredentialsShared(ILogger logger, string identity, string @namespace, string pod);
}
