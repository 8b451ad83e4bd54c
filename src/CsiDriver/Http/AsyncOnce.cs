namespace CsiDriver.Http;

/// <summary>
/// A value worked out once, on first use (the node's region, the cluster's workload identity pool): one caller at
/// a time computes it, later callers get the result; a failure is not remembered, so the next caller tries again.
/// </summary>
internal sealed class AsyncOnce<T>
    where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private T? _value;

    public async Task<T> GetAsync(Func<CancellationToken, Task<T>> compute, CancellationToken cancellationToken)
    {
        if (_value is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _value ??= await compute(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
