using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// The Kubernetes failure handling the reconcilers share: a write that lost a race (409, stale resourceVersion) is
/// requeued at once to run on fresh state; any other API failure is reported and retried with the queue's backoff.
/// </summary>
internal static class ReconcileGuard
{
    public static async Task<ReconcileResult> RunAsync(Func<Task<ReconcileResult>> reconcile, Action conflict, Action<string> failed)
    {
        try
        {
            return await reconcile().ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.IsStaleUpdate)
        {
            conflict();
            return ReconcileResult.After(TimeSpan.Zero);
        }
        catch (KubernetesApiException ex)
        {
            failed(ex.Message);
            return ReconcileResult.Retry;
        }
    }
}
