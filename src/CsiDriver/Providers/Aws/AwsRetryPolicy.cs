using System.Net;
using CsiDriver.Http;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// What AWS failures are worth retrying (throttling, 5xx, network), run on the shared <see cref="RetryPolicy"/>
/// with capped exponential backoff and full jitter, as the AWS SDKs do.
/// </summary>
internal sealed class AwsRetryPolicy
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    private readonly RetryPolicy _policy;

    public AwsRetryPolicy(AwsProviderOptions options, TimeProvider time, Random random)
    {
        _policy = new RetryPolicy(
            new RetrySettings { MaxAttempts = options.MaxAttempts, BaseDelay = options.RetryBaseDelay, MaxDelay = options.RetryMaxDelay, Jitter = Jitter.Full },
            time,
            random.NextDouble);
    }

    public static bool IsThrottling(AwsServiceException ex) =>
        ex.StatusCode == HttpStatusCode.TooManyRequests || ThrottlingCodes.Contains(ex.ErrorCode);

    /// <summary>Throttling, 5xx and transport failures (no status) are worth another attempt.</summary>
    public static bool IsRetryable(AwsServiceException ex) =>
        IsThrottling(ex) || ex.StatusCode is null || (int)ex.StatusCode >= 500 || ex.ErrorCode is "IDPCommunicationError";

    public Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, Action<AwsServiceException, int, TimeSpan> onRetry, CancellationToken cancellationToken) =>
        _policy.ExecuteAsync(attempt, IsRetryable, onRetry, cancellationToken);
}
