namespace CsiDriver.Publishing;

/// <summary>Serialises work per key (a volume, a target path) while different keys run in parallel.</summary>
internal sealed class KeyedLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _waiting;

    /// <summary>Callers waiting for a key another caller holds, over all keys.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public async Task<IDisposable> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                _entries[key] = entry = new Entry();
            }

            entry.Users++;
        }

        var acquire = entry.Semaphore.WaitAsync(cancellationToken);
        var waits = !acquire.IsCompleted;
        if (waits)
        {
            Interlocked.Increment(ref _waiting);
        }

        try
        {
            await acquire.ConfigureAwait(false);
        }
        catch
        {
            Release(key, entry, held: false);
            throw;
        }
        finally
        {
            if (waits)
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        return new Releaser(this, key, entry);
    }

    private void Release(string key, Entry entry, bool held)
    {
        if (held)
        {
            entry.Semaphore.Release();
        }

        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Releaser(KeyedLock owner, string key, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(key, entry, held: true);
            }
        }
    }
}
