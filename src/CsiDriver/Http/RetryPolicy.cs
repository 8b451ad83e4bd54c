namespace CsiDriver.Http;

/// <summary>How much of the backoff is randomised, so clients that failed together do not retry together.</summary>
public enum Jitter
{
    /// <summary>Exactly the backoff.</summary>
    None,

    /// <summary>Anywhere from zero to the backoff (the AWS SDKs' "full jitter").</summary>
    Full,

    /// <summary>Half to one and a half times the backoff.</summary>
    Half,
}

/// <summary>How one backend's failed calls are retried: attempts, backoff, and what a <c>Retry-After</c> means.</summary>
public sealed record RetrySettings
{
    /// <summary>Attempts in all, the first included.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>The backoff before the second attempt; it doubles per attempt up to <see cref="MaxDelay"/>, then jitter applies.</summary>
    public required TimeSpan BaseDelay { get; init; }

    /// <summary>The longest backoff, before jitter.</summary>
    public required TimeSpan MaxDelay { get; init; }

    public Jitter Jitter { get; init; } = Jitter.Half;

    /// <summary>The longest <c>Retry-After</c> honoured.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.MaxValue;

    /// <summary>
    /// True: a longer <c>Retry-After</c> ends the retries (never call before the server allows); false: the wait
    /// is cut to <see cref="MaxRetryAfter"/>.
    /// </summary>
    public bool GiveUpBeyondMaxRetryAfter { get; init; }

    /// <summary>True: a <c>Retry-After</c> shorter than the backoff waits the backoff; false: the server's hint replaces it.</summary>
    public bool RetryAfterIsMinimum { get; init; }
}

/// <summary>
/// The one retry and backoff policy of the backends (Vault, AWS, Azure, GCP, the Kubernetes API): each configures
/// <see cref="RetrySettings"/> and decides what is worth retrying; the waits, the <c>Retry-After</c> handling and
/// the clock (an injected <see cref="TimeProvider"/> and randomness, so tests control time) live here.
/// </summary>
internal sealed class RetryPolicy(RetrySettings settings, TimeProvider time, Func<double> random)
{
    private static readonly Lock RandomGate = new();

    /// <summary>One attempt, no retries.</summary>
    public static RetryPolicy Once { get; } = new(new RetrySettings { MaxAttempts = 1, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero }, TimeProvider.System, static () => 0);

    /// <summary>The wait before the attempt after <paramref name="attempt"/> (1-based), or null when none should follow.</summary>
    public TimeSpan? NextDelay(int attempt, TimeSpan? retryAfter)
    {
        if (attempt >= settings.MaxAttempts)
        {
            return null;
        }

        var backoff = Backoff(attempt);
        return retryAfter switch
        {
            null => backoff,
            { } hint when hint > settings.MaxRetryAfter => settings.GiveUpBeyondMaxRetryAfter ? null : settings.MaxRetryAfter,
            { } hint => settings.RetryAfterIsMinimum && backoff > hint ? backoff : hint,
        };
    }

    /// <summary>Waits <paramref name="delay"/> on the injected clock.</summary>
    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);

    /// <summary>A response's <c>Retry-After</c> (seconds or a date) as a wait from now; null when absent.</summary>
    public TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        if (headers.RetryAfter is not { } header)
        {
            return null;
        }

        var wait = header.Delta ?? (header.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is { } w && w < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private TimeSpan Backoff(int attempt)
    {
        var raw = settings.BaseDelay * Math.Pow(2, attempt - 1);
        var capped = raw > settings.MaxDelay ? settings.MaxDelay : raw;
        if (settings.Jitter == Jitter.None)
        {
            return capped;
        }

        double fraction;
        lock (RandomGate)
        {
            fraction = random();
        }

        return capped * (settings.Jitter == Jitter.Full ? fraction : 0.5 + fraction);
    }
}
