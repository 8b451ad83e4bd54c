using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>Log messages of the <c>gcp</c> provider (event ids 600-649). Never a value or a token.</summary>
internal static partial class GcpLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Debug, Message = "gcp: fetching {Count} resource(s) for {Class} with auth {Auth}")]
    public static partial void Fetching(ILogger logger, int count, string @class, GcpAuthMode auth);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "gcp: call to {Host} failed ({Kind}); retry {Attempt} in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, string host, int attempt, double delayMs, FailureKind kind);

    [LoggerMessage(EventId = 602, Level = LogLevel.Debug, Message = "gcp: reusing cached access token for {Identity}")]
    public static partial void TokenCacheHit(ILogger logger, string identity);

    [LoggerMessage(EventId = 603, Level = LogLevel.Debug, Message = "gcp: obtained access token for {Identity}, valid until {ExpiresAt:o}")]
    public static partial void TokenObtained(ILogger logger, string identity, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 604, Level = LogLevel.Information, Message = "gcp: workload identity pool {Pool}, provider {Provider} (source: {Source})")]
    public static partial void WorkloadIdentityResolved(ILogger logger, string pool, string provider, string source);

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "gcp: integrity check failed for {Resource}: CRC32C of the payload does not match dataCrc32c")]
    public static partial void ChecksumMismatch(ILogger logger, string resource);

    [LoggerMessage(EventId = 606, Level = LogLevel.Warning, Message = "gcp: fetch for {Class} failed: {Message}")]
    public static partial void FetchFailed(ILogger logger, string @class, string message);

    [LoggerMessage(EventId = 607, Level = LogLevel.Debug, Message = "gcp: impersonating {ServiceAccount} for {Namespace}/{KubernetesServiceAccount}")]
    public static partial void Impersonating(ILogger logger, string serviceAccount, string @namespace, string kubernetesServiceAccount);

    [LoggerMessage(EventId = 610, Level = LogLevel.Debug, Message = "gcp: {Class}: pinned {Resource} unchanged ({Version}), served from memory without a call")]
    public static partial void PinnedFromMemory(ILogger logger, string @class, string resource, string version);
}
