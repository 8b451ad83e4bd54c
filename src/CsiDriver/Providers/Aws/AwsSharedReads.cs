namespace CsiDriver.Providers.Aws;

/// <summary>
/// One object's raw read from AWS: the wire value or the service's error, never both. This, not an exception or a
/// message, is what volumes of a rotation pass share: each volume builds its own error naming its own class.
/// </summary>
internal sealed record AwsRead<T>(T? Value, AwsServiceException? Error)
    where T : class
{
    public static AwsRead<T> Of(T value) => new(value, null);

    public static AwsRead<T> Failed(AwsServiceException error) => new(null, error);
}

/// <summary>
/// Reads a volume's objects, sharing each object's read with the other volumes of a rotation pass
/// (<see cref="IFetchScope"/>), while still batching what this volume reads itself.
/// </summary>
/// <remarks>
/// Sharing is per object, not per volume-level batch. Keying a whole batch by its sorted object set shares
/// nothing between volumes whose sets merely overlap (class A reads s1..s3, class B s2..s4: every overlapping
/// object would be read twice), and overlapping sets are the common case. Per object, each (identity, region,
/// object) is one scope entry: a volume claims the entries nobody claimed yet and reads exactly those, batched
/// (BatchGetSecretValue by 20, GetParameters by 10), and awaits the entries other volumes claimed. Objects read per
/// pass = distinct (identity, object) pairs; calls are at most that, and fewer wherever a volume's unclaimed
/// objects still fill a batch. A volume never waits on an entry before it has started the reads it claimed, and
/// a claimed read never waits on another entry, so volumes cannot deadlock on each other.
/// </remarks>
internal static class AwsSharedReads
{
    /// <summary>
    /// Reads <paramref name="ids"/>: all through <paramref name="read"/> outside a pass; in a pass only the ones this
    /// volume is first to ask for, the rest from the volumes that were. <paramref name="read"/> must answer every id
    /// it is given (errors as <see cref="AwsRead{T}.Error"/>) and gets the pass's token when its result is shared.
    /// </summary>
    public static async Task<Dictionary<TId, AwsRead<T>>> ReadAsync<TId, T>(
        IFetchScope? scope,
        IReadOnlyList<TId> ids,
        Func<TId, FetchKey> keyOf,
        Func<IReadOnlyList<TId>, CancellationToken, Task<Dictionary<TId, AwsRead<T>>>> read,
        CancellationToken cancellationToken)
        where TId : notnull
        where T : class
    {
        if (ids.Count == 0)
        {
            return [];
        }

        if (scope is null)
        {
            return await read(ids, cancellationToken).ConfigureAwait(false);
        }

        // The scope runs the factory of an entry nobody asked for yet at once, inside GetOrAddAsync: this volume
        // claims such entries, and reads them together once it has asked for all its objects.
        var gate = new Lock();
        var claimed = new List<TId>();
        var claimedReads = new TaskCompletionSource<Dictionary<TId, AwsRead<T>>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var passToken = CancellationToken.None;
        var closed = false;
        var entries = ids.Select(id => (Id: id, Entry: scope.GetOrAddAsync(keyOf(id), ct =>
        {
            lock (gate)
            {
                if (!closed)
                {
                    claimed.Add(id);
                    passToken = ct;
                    return PickAsync(id, claimedReads.Task);
                }
            }

            // Only for a scope that runs factories after GetOrAddAsync returned: such a late claim is read alone.
            return PickAsync(id, read([id], ct));
        }))).ToList();

        lock (gate)
        {
            closed = true;
        }

        try
        {
            claimedReads.TrySetResult(claimed.Count == 0 ? [] : await read(claimed, passToken).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            // Cancellation and the unexpected reach every volume awaiting these entries.
            claimedReads.TrySetException(ex);
        }

        var results = new Dictionary<TId, AwsRead<T>>(ids.Count);
        foreach (var (id, entry) in entries)
        {
            results[id] = await entry.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// Reads <paramref name="ids"/> <paramref name="limit"/> to a call: a call that fails fails each id of its chunk;
    /// from an answer, <paramref name="pick"/> takes each id's read, or null to leave the id unread.
    /// </summary>
    public static async Task<Dictionary<TId, AwsRead<T>>> ReadChunksAsync<TId, TAnswer, T>(
        IReadOnlyList<TId> ids, int limit, Func<TId[], Task<TAnswer>> call, Func<TAnswer, TId, AwsRead<T>?> pick)
        where TId : notnull
        where T : class
    {
        var reads = new Dictionary<TId, AwsRead<T>>();
        foreach (var chunk in ids.Chunk(limit))
        {
            try
            {
                var answer = await call(chunk).ConfigureAwait(false);
                foreach (var id in chunk)
                {
                    if (pick(answer, id) is { } read)
                    {
                        reads[id] = read;
                    }
                }
            }
            catch (AwsServiceException ex)
            {
                foreach (var id in chunk)
                {
                    reads[id] = AwsRead<T>.Failed(ex);
                }
            }
        }

        return reads;
    }

    /// <summary>One unbatched read, shared in a pass under <paramref name="key"/>.</summary>
    public static Task<AwsRead<T>> ReadOneAsync<T>(IFetchScope? scope, FetchKey key, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : class =>
        scope is null
            ? CaptureAsync(read, cancellationToken)
            : scope.GetOrAddAsync(key, ct => CaptureAsync(read, ct)).WaitAsync(cancellationToken);

    /// <summary>Runs <paramref name="read"/>, turning a service error into a value.</summary>
    public static async Task<AwsRead<T>> CaptureAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return AwsRead<T>.Of(await read(cancellationToken).ConfigureAwait(false));
        }
        catch (AwsServiceException ex)
        {
            return AwsRead<T>.Failed(ex);
        }
    }

    private static async Task<AwsRead<T>> PickAsync<TId, T>(TId id, Task<Dictionary<TId, AwsRead<T>>> reads)
        where TId : notnull
        where T : class =>
        (await reads.ConfigureAwait(false)).TryGetValue(id, out var read)
            ? read
            : throw new InvalidOperationException("a shared AWS read answered without one of its objects");
}
