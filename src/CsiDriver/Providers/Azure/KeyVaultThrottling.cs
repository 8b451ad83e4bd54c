namespace CsiDriver.Providers.Azure;

/// <summary>
/// Whether and when to send a throttled (429) Key Vault request again, on the shared <see cref="Http.RetryPolicy"/>:
/// after its Retry-After (seconds or a date), else after a doubling base delay; at most
/// <see cref="AzureProviderOptions.ThrottleRetries"/> times and never longer than
/// <see cref="AzureProviderOptions.ThrottleMaxDelay"/> per wait. A Retry-After past that cap stops at once rather
/// than retrying before Key Vault allows it.
/// </summary>
internal sealed class KeyVaultThrottling
{
    private readonly AzureProviderOptions _options;
    private readonly Http.RetryPolicy _policy;

    public KeyVaultThrottling(AzureProviderOptions options, TimeProvider time)
    {
        _options = options;
        _policy = new Http.RetryPolicy(
            new Http.RetrySettings
            {
                MaxAttempts = options.ThrottleRetries + 1,
                BaseDelay = options.ThrottleBaseDelay,
                MaxDelay = options.ThrottleMaxDelay,
                Jitter = Http.Jitter.None,
                MaxRetryAfter = options.ThrottleMaxDelay,
                GiveUpBeyondMaxRetryAfter = true,
            },
            time,
            static () => 0);
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, or why there is none.</summary>
    public (TimeSpan? Delay, string? GaveUp) Decide(AzureReply reply, int attempt)
    {
        if (attempt > _options.ThrottleRetries)
        {
            return (null, attempt == 1 ? null : $"throttled on all {attempt} attempts");
        }

        return _policy.NextDelay(attempt, _policy.RetryAfter(reply.Headers)) is { } delay
            ? (delay, null)
            : (null, $"Retry-After is longer than the {_options.ThrottleMaxDelay.TotalSeconds:0.#}s the driver waits");
    }

    /// <summary>Waits on the injected clock.</summary>
    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => _policy.WaitAsync(delay, cancellationToken);
}
