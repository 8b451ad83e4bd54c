namespace CsiDriver.Providers.Azure;

/// <summary>
/// How a throttled (429) Key Vault request is sent again, on the shared <see cref="Http.RetryPolicy"/>:
/// after its Retry-After (seconds or a date), else after a doubling base delay; at most
/// <see cref="AzureProviderOptions.ThrottleRetries"/> times and never longer than
/// <see cref="AzureProviderOptions.ThrottleMaxDelay"/> per wait. A Retry-After past that cap stops at once rather
/// than retrying before Key Vault allows it.
/// </summary>
internal sealed class KeyVaultThrottling(AzureProviderOptions options, TimeProvider time)
{
    public Http.RetryPolicy Policy { get; } = new(
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

    /// <summary>Why a request still throttled after <paramref name="attempts"/> attempts was given up, for the error message.</summary>
    public string? GaveUp(int attempts) =>
        attempts <= options.ThrottleRetries ? $"Retry-After is longer than the {options.ThrottleMaxDelay.TotalSeconds:0.#}s the driver waits"
        : attempts > 1 ? $"throttled on all {attempts} attempts"
        : null;
}
