using System.Net;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Retries throttling, 5xx and network failures with capped exponential backoff and full jitter,
/// as the AWS SDKs do; honours cancellation between and during attempts.
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

    private readonly AwsProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;

    public AwsRetryPolicy(AwsProviderOptions options, TimeProvider time, Random random)
    {
        _options = options;
        _time = time;
        _random = random;
    }

    public static bool IsThrottling(AwsServiceException ex) =>
        ex.StatusCode == HttpStatusCode.TooManyRequests || ThrottlingCodes.Contains(ex.ErrorCode);

    /// <summary>Throttling, 5xx and transport failures (no status) are worth another attempt.</summary>
    public static bool IsRetryable(AwsServiceException ex) =>
        IsThrottling(ex) || ex.StatusCode is null || (int)ex.StatusCode >= 500 || ex.ErrorCode is "IDPCommunicationError";

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, Action<AwsServiceException, int, TimeSpan>? onRetry, CancellationToken cancellationToken)
    {
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (number < _options.MaxAttempts && IsRetryable(ex))
            {
                var delay = Delay(number);
                onRetry?.Invoke(ex, number, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(_options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        double fraction;
        lock (_random)
        {
            fraction = _random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(ceiling * fraction);
    }
}
