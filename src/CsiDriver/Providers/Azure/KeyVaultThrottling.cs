namespace CsiDriver.Providers.Azure;

/// <summary>
/// Whether and when to send a throttled (429) Key Vault request again: after its Retry-After (seconds or a
/// date), else after a doubling base delay; at most <see cref="AzureProviderOptions.ThrottleRetries"/> times and
/// never longer than <see cref="AzureProviderOptions.ThrottleMaxDelay"/> per wait. A Retry-After past that cap
/// stops at once rather than retrying before Key Vault allows it.
/// </summary>
internal sealed class KeyVaultThrottling
{
    private readonly AzureProviderOptions _options;
    private readonly TimeProvider _time;

    public KeyVaultThrottling(AzureProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, or why there is none.</summary>
    public (TimeSpan? Delay, string? GaveUp) Decide(AzureReply reply, int attempt)
    {
        if (attempt > _options.ThrottleRetries)
        {
            return (null, attempt == 1 ? null : $"throttled on all {attempt} attempts");
        }

        var delay = RetryAfter(reply) ?? _options.ThrottleBaseDelay * Math.Pow(2, attempt - 1);
        return delay > _options.ThrottleMaxDelay
            ? (null, $"Retry-After is longer than the {_options.ThrottleMaxDelay.TotalSeconds:0.#}s the driver waits")
            : (delay, null);
    }

    private TimeSpan? RetryAfter(AzureReply reply)
    {
        if (reply.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
