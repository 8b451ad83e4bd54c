namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>
/// Drains one kind's <see cref="WorkQueue"/> with a number of workers, each calling the kind's reconciler for
/// one key at a time. A failure (exception or <see cref="ReconcileResult.Failed"/>) retries the key with
/// <see cref="ItemBackoff"/>; a success forgets the failures and honours <see cref="ReconcileResult.RequeueAfter"/>
/// plus up to 10% jitter, so refreshes that were due together spread out.
/// </summary>
internal sealed class QueueWorkers(WorkQueue queue, IReconciler reconciler, Func<double> random, RuntimeMetrics metrics, ILogger logger)
{
    /// <summary>The largest fraction a timed requeue is stretched by.</summary>
    public const double MaxJitter = 0.1;

    private readonly ItemBackoff _backoff = new();

    public ItemBackoff Backoff => _backoff;

    /// <summary>
    /// Runs <paramref name="workers"/> workers until <paramref name="stop"/>; a reconcile in flight then finishes
    /// (it sees only <paramref name="abort"/>, the hard deadline) before this returns.
    /// </summary>
    public Task RunAsync(int workers, CancellationToken stop, CancellationToken abort) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(stop, abort), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken stop, CancellationToken abort)
    {
        while (!stop.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                key = await queue.TakeAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            try
            {
                await ReconcileAsync(key, abort).ConfigureAwait(false);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ReconcileAsync(ObjectKey key, CancellationToken abort)
    {
        ReconcileResult result;
        try
        {
            result = await reconciler.ReconcileAsync(key, abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // A reconciler's failure of any kind is retried with backoff; the worker must live on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RuntimeLog.ReconcileThrew(logger, queue.Kind, key.ToString(), ex.GetType().Name);
            result = ReconcileResult.Retry;
        }

        if (result.Failed)
        {
            var delay = _backoff.NextDelay(key);
            metrics.Reconciled(queue.Kind, "error");
            RuntimeLog.ReconcileFailed(logger, queue.Kind, key.ToString(), _backoff.Failures(key), delay.TotalSeconds);
            queue.AddAfter(key, delay);
            return;
        }

        _backoff.Forget(key);
        if (result.RequeueAfter is { } after)
        {
            metrics.Reconciled(queue.Kind, "requeue_after");
            queue.AddAfter(key, Jitter(after));
        }
        else
        {
            metrics.Reconciled(queue.Kind, "success");
            queue.CancelScheduled(key);
        }
    }

    /// <summary>Stretches a requeue by up to <see cref="MaxJitter"/>: never earlier than asked, so a refresh is not early.</summary>
    public TimeSpan Jitter(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? delay : delay + (delay * (MaxJitter * random()));
}
