namespace CsiDriver.Tests.Infrastructure;

/// <summary>
/// Put in a fake backend's request path: holds each request until <c>expected</c> are in flight together (or the
/// timeout passes, so a client that sends one at a time is slowed, not hung), and records the most seen at once.
/// </summary>
public sealed class ConcurrencyGate(int expected, TimeSpan timeout)
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _max;

    /// <summary>The most requests that were inside the gate at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref _max);

    /// <summary>Waits inside the gate; dispose the result when the request is answered.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
        {
        }

        if (now >= expected)
        {
            _open.TrySetResult();
        }

        try
        {
            await _open.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Not enough arrived together: let this one through; the test asserts MaxInFlight.
        }

        return new Exit(this);
    }

    private sealed class Exit(ConcurrencyGate gate) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref gate._inFlight);
    }
}
