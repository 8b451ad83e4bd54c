using CsiDriver.Spec;
using CsiDriver.State;

namespace CsiDriver.Publishing;

/// <summary>
/// Told about each publish and unpublish (pod status, events). Observers report; they never decide:
/// <see cref="PublishObservers"/> logs their failures and the publish result stands.
/// </summary>
public interface IPublishObserver
{
    Task OnPublishedAsync(PublishRequest request, SecretProviderClass secretProviderClass, PublishOutcome outcome, CancellationToken cancellationToken);

    /// <summary>The exception's message is safe to show (no values, no tokens).</summary>
    Task OnPublishFailedAsync(PublishRequest request, SecretStoreException failure, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The record the volume had, or null if the driver did not know it.</summary>
    Task OnUnpublishedAsync(VolumeRecord? record, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Calls every registered observer in turn; one failing observer neither stops the others nor the publish.</summary>
internal sealed class PublishObservers(IEnumerable<IPublishObserver> observers, Microsoft.Extensions.Logging.ILogger<PublishObservers> logger)
{
    private readonly IReadOnlyList<IPublishObserver> _observers = observers.ToList();

    public Task PublishedAsync(PublishRequest request, SecretProviderClass spc, PublishOutcome outcome, CancellationToken cancellationToken) =>
        EachAsync(o => o.OnPublishedAsync(request, spc, outcome, cancellationToken), cancellationToken);

    public Task PublishFailedAsync(PublishRequest request, SecretStoreException failure, CancellationToken cancellationToken) =>
        EachAsync(o => o.OnPublishFailedAsync(request, failure, cancellationToken), cancellationToken);

    public Task UnpublishedAsync(VolumeRecord? record, CancellationToken cancellationToken) =>
        EachAsync(o => o.OnUnpublishedAsync(record, cancellationToken), cancellationToken);

    private async Task EachAsync(Func<IPublishObserver, Task> call, CancellationToken cancellationToken)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await call(observer).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Kubernetes.KubernetesLog.ObserverFailed(logger, observer.GetType().Name, ex.Message);
            }
        }
    }
}
