namespace CsiDriver.ExternalSecrets.Stores.References;

/// <summary>
/// Keeps what the stores' references read (a credential Secret, a CA ConfigMap) for a short while, single-flight, so an
/// ExternalSecret connecting through a store does not cost an API read each time: thousands of ExternalSecrets behind one
/// store read each referenced object about once per <see cref="Lifetime"/>. A change to a referenced object is seen
/// within that time. Failed reads are not kept. Memory only.
/// </summary>
internal sealed class ReferenceReadCache(TimeProvider time)
{
    /// <summary>How long a read is reused.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private const int SweepAbove = 256;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The kept value for <paramref name="key"/>, or one shared read of it.</summary>
    public async Task<T> GetAsync<T>(string key, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : class
    {
        var now = time.GetUtcNow();
        var entry = _entries.AddOrUpdate(
            key,
            _ => Entry.Start(read, now + Lifetime),
            (_, existing) => now < existing.Until ? existing : Entry.Start(read, now + Lifetime));
        if (_entries.Count > SweepAbove)
        {
            Sweep(now);
        }

        try
        {
            return (T)await entry.Read.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            throw;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Until <= now)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }
    }

    /// <summary>One read; lazy, because a contended <c>AddOrUpdate</c> may build entries it then throws away.</summary>
    private sealed record Entry(Lazy<Task<object>> Read, DateTimeOffset Until)
    {
        // Shared by every caller that joins, so no one caller's cancellation ends it; the transport's timeouts bound it.
        public static Entry Start<T>(Func<CancellationToken, Task<T>> read, DateTimeOffset until)
            where T : class =>
            new(new Lazy<Task<object>>(() => Run(read), LazyThreadSafetyMode.ExecutionAndPublication), until);

        private static async Task<object> Run<T>(Func<CancellationToken, Task<T>> read)
            where T : class =>
            await read(CancellationToken.None).ConfigureAwait(false);

        public override string ToString() => $"reference read (kept until {Until:O})";
    }
}
