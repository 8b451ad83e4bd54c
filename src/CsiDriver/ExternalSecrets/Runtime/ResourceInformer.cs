using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>How an informer paces itself.</summary>
internal sealed record InformerOptions
{
    /// <summary>The shortest watch the server is asked for; each watch asks for between this and twice this, so reconnects spread.</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First wait after a broken stream or a failed list; doubles per failure in a row.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Keeps one collection's cache in step with the API server: list, then watch from the list's resourceVersion;
/// a clean end of the watch re-watches from the last resourceVersion seen (bookmarks included); a broken stream
/// or failed call waits with capped, jittered backoff; <c>410 Gone</c> (as an HTTP status or an ERROR event)
/// means that resourceVersion was compacted, so it lists again. Every change goes to the sink.
/// </summary>
internal sealed class ResourceInformer(WatchedResource resource, bool clusterScoped, ListWatchClient client, Action<ObjectChange> sink, InformerOptions options, TimeProvider time, Func<double> random, ILogger logger)
{
    private volatile string _lastResourceVersion = string.Empty;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ObjectCache Cache { get; } = new(resource.Kind);

    public WatchedResource Resource => resource;

    /// <summary>The resourceVersion the next watch resumes from (client-go's LastSyncResourceVersion); empty before the first list.</summary>
    public string LastSyncResourceVersion => _lastResourceVersion;

    /// <summary>Completes when the first list is in the cache.</summary>
    public Task Synced => _synced.Task;

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var mustList = true;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (mustList)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    mustList = false;
                    failures = 0;
                }

                // Resumes from the last event or bookmark seen, also after a stream that broke halfway.
                await WatchAsync(_lastResourceVersion, () => failures = 0, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.Gone)
            {
                RuntimeLog.Relisting(logger, resource.ToString());
                mustList = true;
            }
            catch (Exception ex) when (ex is KubernetesApiException or IOException or HttpRequestException)
            {
                failures++;
                var delay = Backoff(failures);
                RuntimeLog.WatchFailed(logger, resource.ToString(), Describe(ex), delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.ListAsync(resource, cancellationToken).ConfigureAwait(false);
        var changes = Cache.Replace(list.Items.Select(o => CachedObject.From(o, resource.Kind, clusterScoped)));
        RuntimeLog.Listed(logger, resource.ToString(), Cache.Count, list.ResourceVersion);
        foreach (var change in changes)
        {
            sink(change);
        }

        _lastResourceVersion = list.ResourceVersion;
        _synced.TrySetResult();
    }

    /// <summary>One watch, until the server ends it; every event moves <see cref="LastSyncResourceVersion"/> on.</summary>
    private async Task WatchAsync(string resourceVersion, Action healthy, CancellationToken cancellationToken)
    {
        var timeout = options.MinWatchTimeout * (1 + random());
        await foreach (var ev in client.WatchAsync(resource, resourceVersion, timeout, cancellationToken).ConfigureAwait(false))
        {
            healthy();
            switch (ev.Type)
            {
                case "ADDED":
                case "MODIFIED":
                {
                    var obj = CachedObject.From(ev.Object, resource.Kind, clusterScoped);
                    resourceVersion = obj.ResourceVersion;
                    if (Cache.Upsert(obj) is { } change)
                    {
                        sink(change);
                    }

                    break;
                }

                case "DELETED":
                {
                    var obj = CachedObject.From(ev.Object, resource.Kind, clusterScoped);
                    resourceVersion = obj.ResourceVersion;
                    sink(Cache.Remove(obj));
                    break;
                }

                case "BOOKMARK":
                    resourceVersion = ev.Object.Metadata?.ResourceVersion ?? resourceVersion;
                    break;

                case "ERROR":
                {
                    var status = (HttpStatusCode)(ev.Object.Code ?? 500);
                    throw new KubernetesApiException(KubernetesApiException.KindFor(status), status, $"watch {resource}", ev.Object.Reason, ev.Object.Message);
                }

                default:
                    throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, $"watch {resource}", null, $"unknown watch event type '{ev.Type}'");
            }

            _lastResourceVersion = resourceVersion;
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponential = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        var capped = Math.Min(exponential, options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (random() / 2)));
    }

    private static string Describe(Exception ex) => ex is KubernetesApiException k ? k.Message : ex.GetType().Name;
}
