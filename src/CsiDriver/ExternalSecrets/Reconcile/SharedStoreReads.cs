using CsiDriver.ExternalSecrets.Stores;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// Shares backend reads across ExternalSecrets: readers of the same (store uid and generation, client identity, method,
/// remote ref) join one in-flight read, and a successful result is reused for a short window (the shorter of the
/// configured window and a quarter of the reader's refresh interval) within a memory budget. Failures are never kept
/// beyond the in-flight join, so the next reader retries. A forced refresh (a changed spec, labels or annotations, or a
/// Secret that was edited or deleted) never takes a cached value: it reads again and the result replaces the cached one.
/// </summary>
internal sealed class SharedStoreReads(ExternalSecretsReconcileOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<ReadKey, Entry> _entries = new();

    // Values held now, in bytes, against the budget.
    private long _bytes;

    public Task<byte[]> GetSecretAsync(StoreContext store, IStoreClient client, RemoteRef remoteRef, TimeSpan refreshInterval, bool fresh, CancellationToken cancellationToken) =>
        ReadAsync(new ReadKey(store.Uid, store.Generation, client.Identity, "GetSecret", remoteRef), refreshInterval, fresh, ct => client.GetSecretAsync(remoteRef, ct), v => v.Length, cancellationToken);

    public Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(StoreContext store, IStoreClient client, RemoteRef remoteRef, TimeSpan refreshInterval, bool fresh, CancellationToken cancellationToken) =>
        ReadAsync(new ReadKey(store.Uid, store.Generation, client.Identity, "GetSecretMap", remoteRef), refreshInterval, fresh, ct => client.GetSecretMapAsync(remoteRef, ct), v => v.Sum(p => (long)p.Value.Length + (p.Key.Length * 2)), cancellationToken);

    /// <summary>One listing per (store, identity, query) per window, like the gets; the query is keyed by its canonical text.</summary>
    public Task<IReadOnlyDictionary<string, byte[]>> FindAsync(StoreContext store, IStoreClient client, FindQuery query, TimeSpan refreshInterval, bool fresh, CancellationToken cancellationToken) =>
        ReadAsync(new ReadKey(store.Uid, store.Generation, client.Identity, "Find", new RemoteRef(Canonical(query))), refreshInterval, fresh, ct => client.FindAsync(query, ct), v => v.Sum(p => (long)p.Value.Length + (p.Key.Length * 2)), cancellationToken);

    private static string Canonical(FindQuery query)
    {
        var tags = query.Tags is null ? string.Empty : string.Join('\n', query.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key.Length}:{t.Key}={t.Value}"));
        return $"{query.MaxKeys}|{query.Path?.Length ?? -1}:{query.Path}|{query.NameRegexp?.Length ?? -1}:{query.NameRegexp}|{tags}";
    }

    private async Task<T> ReadAsync<T>(ReadKey key, TimeSpan refreshInterval, bool fresh, Func<CancellationToken, Task<T>> read, Func<T, long> size, CancellationToken cancellationToken)
        where T : class
    {
        var now = time.GetUtcNow();
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                if (existing.Task.IsCompletedSuccessfully && (fresh || existing.ExpiresAt <= now))
                {
                    Remove(key, existing);
                    continue;
                }

                // Joining an in-flight read: its failure is ours too, but it is not remembered afterwards.
                return (T)await existing.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var entry = new Entry();
            if (!_entries.TryAdd(key, entry))
            {
                continue;
            }

            Sweep(now);
            try
            {
                // Not tied to this caller's token: other readers may be waiting on the same read.
                var value = await read(CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
                var window = Window(refreshInterval);
                var bytes = size(value);
                if (window > TimeSpan.Zero && Interlocked.Add(ref _bytes, bytes) <= options.SharedReadBudgetBytes)
                {
                    entry.Bytes = bytes;
                    entry.ExpiresAt = time.GetUtcNow() + window;
                    entry.Complete(value);
                }
                else
                {
                    if (window > TimeSpan.Zero)
                    {
                        Interlocked.Add(ref _bytes, -bytes);
                    }

                    entry.Complete(value);
                    Remove(key, entry);
                }

                return value;
            }
            catch (Exception ex)
            {
                entry.Fail(ex);
                Remove(key, entry);
                throw;
            }
        }
    }

    private TimeSpan Window(TimeSpan refreshInterval)
    {
        var quarter = refreshInterval > TimeSpan.Zero ? refreshInterval / 4 : options.SharedReadWindow;
        return quarter < options.SharedReadWindow ? quarter : options.SharedReadWindow;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Task.IsCompletedSuccessfully && entry.ExpiresAt <= now)
            {
                Remove(key, entry);
            }
        }
    }

    private void Remove(ReadKey key, Entry entry)
    {
        if (_entries.TryRemove(KeyValuePair.Create(key, entry)))
        {
            Interlocked.Add(ref _bytes, -entry.Bytes);
        }
    }

    private readonly record struct ReadKey(string StoreUid, long Generation, string Identity, string Method, RemoteRef Ref);

    private sealed class Entry
    {
        private readonly TaskCompletionSource<object> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<object> Task => _completion.Task;

        public DateTimeOffset ExpiresAt { get; set; } = DateTimeOffset.MaxValue;

        public long Bytes { get; set; }

        public void Complete(object value) => _completion.TrySetResult(value);

        public void Fail(Exception ex)
        {
            _completion.TrySetException(ex);

            // Joined readers observe it; nobody else must see an unobserved-task warning.
            _ = _completion.Task.Exception;
        }
    }
}
