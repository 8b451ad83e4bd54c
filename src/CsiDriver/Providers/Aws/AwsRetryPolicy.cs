using System.Net;
using CsiDriver.Http;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// What AWS failures are worth retrying (throttling, 5xx, network), and the shared <see cref="RetryPolicy"/> they
/// are retried on: capped exponential backoff with full jitter, as the AWS SDKs do.
/// </summary>
internal sealed class AwsRetryPolicy(AwsProviderOptions options, TimeProvider time, Random random)
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    public RetryPolicy Policy { get; } = new(
        new RetrySettings { MaxAttempts = options.MaxAttempts, BaseDelay = options.RetryBaseDelay, MaxDelay = options.RetryMaxDelay, Jitter = Jitter.Full },
        time,
        random.NextDouble);

    public static bool IsThrottling(AwsServiceException ex) =>
        ex.StatusCode == HttpStatusCode.TooManyRequests || ThrottlingCodes.Contains(ex.ErrorCode);

    /// <summary>Throttling, 5xx and transport failures (no status) are worth another attempt.</summary>
    public static bool IsRetryable(AwsServiceException ex) =>
        IsThrottling(ex) || ex.StatusCode is null || (int)ex.StatusCode >= 500 || ex.ErrorCode is "IDPCommunicationError";
}
