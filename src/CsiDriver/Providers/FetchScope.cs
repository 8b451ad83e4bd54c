namespace CsiDriver.Providers;

/// <summary>
/// What one backend read is, for sharing it: the provider, who reads (the identity the backend
/// authorises, never a token), and which object (path, name, version selector).
/// </summary>
public readonly record struct FetchKey(string Provider, string Identity, string Object)
{
    public override string ToString() => $"{Provider}:{Identity}:{Object}";
}

/// <summary>
/// A cache shared by the fetches of one rotation pass, so an object several volumes read with the same
/// identity is read from the backend once per pass. Providers that can share reads call
/// <see cref="GetOrAddAsync{T}"/>; those that cannot (per-volume leases, per-pod credentials) ignore it.
/// </summary>
public interface IFetchScope
{
    /// <summary>
    /// The value for <paramref name="key"/>: the first caller runs <paramref name="factory"/>, later callers in
    /// the same scope await the same result (or the same exception). Cache raw backend data and raw backend
    /// errors only: each volume builds its own messages, which name its own class.
    /// </summary>
    Task<T> GetOrAddAsync<T>(FetchKey key, Func<CancellationToken, Task<T>> factory);
}

/// <summary>The in-memory <see cref="IFetchScope"/> of one pass; values live only as long as the pass.</summary>
/// <param name="cancellationToken">Cancels shared reads: the pass's token, not one volume's.</param>
public sealed class FetchScope(CancellationToken cancellationToken = default) : IFetchScope, IDisposable
{
    private readonly ConcurrentDictionary<FetchKey, Lazy<Task<object?>>> _entries = new();
    private readonly CancellationTokenSource _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    private long _misses;
    private long _hits;

    /// <summary>Reads that went to the factory.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Reads answered from the scope.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    public async Task<T> GetOrAddAsync<T>(FetchKey key, Func<CancellationToken, Task<T>> factory)
    {
        var created = false;
        var lazy = _entries.GetOrAdd(key, _ => new Lazy<Task<object?>>(
            () =>
            {
                created = true;
                return Run(factory);
            },
            LazyThreadSafetyMode.ExecutionAndPublication));
        var task = lazy.Value;
        Interlocked.Increment(ref created ? ref _misses : ref _hits);
        var value = await task.ConfigureAwait(false);
        return value is T typed
            ? typed
            : throw new InvalidOperationException($"fetch scope entry {key.Provider}/{key.Object} holds a {value?.GetType().Name ?? "null"}, not a {typeof(T).Name}");
    }

    public void Dispose()
    {
        _cancellation.Cancel();
        _cancellation.Dispose();
        _entries.Clear();
    }

    private async Task<object?> Run<T>(Func<CancellationToken, Task<T>> factory) =>
        await factory(_cancellation.Token).ConfigureAwait(false);
}
