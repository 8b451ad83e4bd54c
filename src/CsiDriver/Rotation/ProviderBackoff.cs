namespace CsiDriver.Rotation;

/// <summary>
/// Per-provider backoff for the rotation loop: after a backend failure (unreachable, timed out) the
/// provider's volumes are not tried again until an exponentially growing, jittered wait has passed.
/// Any success resets it. Failures that only concern one volume (not found, denied) do not count.
/// </summary>
internal sealed class ProviderBackoff(RotationOptions options, Random random, ILogger<ProviderBackoff> logger)
{
    private readonly ConcurrentDictionary<string, State> _providers = new(StringComparer.Ordinal);

    /// <summary>True while the provider waits out a backoff.</summary>
    public bool IsWaiting(string provider, DateTimeOffset now) => _providers.TryGetValue(provider, out var state) && state.Until > now;

    /// <summary>The earliest moment a waiting provider may be tried again, if any waits.</summary>
    public DateTimeOffset? NextRetry(DateTimeOffset now) =>
        _providers.Values.Where(state => state.Until > now).Select(state => (DateTimeOffset?)state.Until).Min();

    public void Failed(string provider, string reason, DateTimeOffset now)
    {
        State? started = null;
        _providers.AddOrUpdate(
            provider,
            _ => started = Next(1, now),
            (_, old) => old.Until > now ? old : (started = Next(old.Failures + 1, now))); // Failures of one burst count once.
        if (started is not null)
        {
            RotationLog.BackingOff(logger, provider, reason, started.Until - now, started.Failures);
        }
    }

    public void Succeeded(string provider)
    {
        if (_providers.TryRemove(provider, out var state))
        {
            RotationLog.Recovered(logger, provider, state.Failures);
        }
    }

    private State Next(int failures, DateTimeOffset now)
    {
        var exponent = Math.Min(failures - 1, 20);
        var wait = Math.Min(options.BackoffInitial.TotalSeconds * Math.Pow(2, exponent), options.BackoffMax.TotalSeconds);
        // Up to 20% more, so nodes retry a recovering backend at different moments.
        lock (random)
        {
            wait *= 1 + (0.2 * random.NextDouble());
        }

        return new State(failures, now + TimeSpan.FromSeconds(wait));
    }

    private sealed record State(int Failures, DateTimeOffset Until);
}
