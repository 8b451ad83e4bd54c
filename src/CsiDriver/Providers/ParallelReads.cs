using System.Runtime.ExceptionServices;

namespace CsiDriver.Providers;

/// <summary>
/// Runs the distinct backend reads of one publish concurrently, at most <see cref="MaxPerPublish"/> at a time.
/// The caller then walks its objects in order and takes each answer with <see cref="ReadResults{TKey, TValue}.Get"/>,
/// which throws that read's own failure: so the error reported is the one the sequential loop reported (the first
/// in object order), and reads after a failed one are cancelled, as their answers could no longer be used.
/// </summary>
internal static class ParallelReads
{
    /// <summary>Reads in flight for one publish; the backend's connection pool bounds what reaches one host.</summary>
    public const int MaxPerPublish = 8;

    /// <param name="keys">The reads in object order; repeats share the first one's read.</param>
    public static async Task<ReadResults<TKey, TValue>> ReadAllAsync<TKey, TValue>(
        IEnumerable<TKey> keys, Func<TKey, CancellationToken, Task<TValue>> read, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var distinct = keys.Distinct().ToList();
        using var slots = new SemaphoreSlim(MaxPerPublish);
        var cancellations = distinct.Select(_ => CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)).ToList();
        try
        {
            var reads = distinct.Select((key, i) => RunAsync(key, i)).ToList();
            await Task.WhenAll(reads.Cast<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return new ReadResults<TKey, TValue>(distinct.Zip(reads).ToDictionary(p => p.First, p => p.Second));
        }
        finally
        {
            cancellations.ForEach(c => c.Dispose());
        }

        async Task<TValue> RunAsync(TKey key, int index)
        {
            var token = cancellations[index].Token;
            try
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
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                foreach (var later in cancellations.Skip(index + 1))
                {
                    await later.CancelAsync().ConfigureAwait(false);
                }

                throw;
            }
        }
    }
}

/// <summary>The outcome of each read of <see cref="ParallelReads"/>, by key.</summary>
internal sealed class ReadResults<TKey, TValue>(Dictionary<TKey, Task<TValue>> reads)
    where TKey : notnull
{
    /// <summary>The answer for <paramref name="key"/>, or that read's own exception, rethrown as it was thrown.</summary>
    public TValue Get(TKey key)
    {
        var read = reads[key];
        if (read.IsFaulted)
        {
            ExceptionDispatchInfo.Throw(read.Exception.InnerException!);
        }

        return read.GetAwaiter().GetResult();
    }
}
