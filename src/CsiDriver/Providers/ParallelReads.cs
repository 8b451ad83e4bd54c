namespace CsiDriver.Providers;

/// <summary>
/// Runs the distinct backend reads of one publish concurrently, at most <see cref="MaxPerPublish"/> at a time,
/// and reports like the sequential loop did: every answer by key, or the failure of the first read in object
/// order (reads after a failed one are cancelled: their answer could not be used).
/// </summary>
internal static class ParallelReads
{
    /// <summary>Reads in flight for one publish; the backend's connection pool bounds what reaches one host.</summary>
    public const int MaxPerPublish = 8;

    /// <param name="keys">The reads in object order; repeats share the first one's read.</param>
    /// <exception cref="Exception">The first failure in object order, as <paramref name="read"/> threw it.</exception>
    public static async Task<Dictionary<TKey, TValue>> ReadAllAsync<TKey, TValue>(
        IEnumerable<TKey> keys, Func<TKey, CancellationToken, Task<TValue>> read, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var distinct = keys.Distinct().ToList();
        if (distinct.Count == 1)
        {
            return new Dictionary<TKey, TValue> { [distinct[0]] = await read(distinct[0], cancellationToken).ConfigureAwait(false) };
        }

        using var slots = new SemaphoreSlim(MaxPerPublish);
        var cancellations = distinct.Select(_ => CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)).ToList();
        try
        {
            var reads = distinct.Select((key, i) => RunAsync(key, cancellations[i].Token)).ToList();
            var answers = new Dictionary<TKey, TValue>(distinct.Count);
            for (var i = 0; i < reads.Count; i++)
            {
                try
                {
                    answers[distinct[i]] = await reads[i].ConfigureAwait(false);
                }
                catch
                {
                    foreach (var later in cancellations.Skip(i + 1))
                    {
                        await later.CancelAsync().ConfigureAwait(false);
                    }

                    await Task.WhenAll(reads.Skip(i + 1).Select(r => r.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default))).ConfigureAwait(false);
                    throw;
                }
            }

            return answers;
        }
        finally
        {
            cancellations.ForEach(c => c.Dispose());
        }

        async Task<TValue> RunAsync(TKey key, CancellationToken token)
        {
            await slots.WaitAsync(token).ConfigureAwait(false);
            try
            {
                return await read(key, token).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
