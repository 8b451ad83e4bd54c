using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Observability;

namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>What the runtime watches and how it works.</summary>
internal sealed record ControllerRuntimeOptions
{
    /// <summary>Watch only this namespace (cluster-scoped kinds are watched whatever it is), or null for all.</summary>
    public string? WatchNamespace { get; init; }

    /// <summary>Workers per kind (<c>--concurrent</c>).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The lease to campaign on, or null to lead from the start (<c>--leader-elect=false</c>).</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    public InformerOptions Informers { get; init; } = new();

    /// <summary>How long a stop waits for reconciles in flight before cancelling them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The controller's moving parts: an informer per watched collection feeding the <see cref="EventRouter"/>, a
/// <see cref="WorkQueue"/> and <see cref="QueueWorkers"/> per reconciled kind, and leader election. Every replica
/// watches (so it is ready and its queues are full when it takes over); only the leader runs workers, and only
/// once every cache has synced. Stopping stops the workers, lets reconciles in flight finish, then releases the lease.
/// </summary>
internal sealed class ControllerRuntime : IAsyncDisposable
{
    private readonly ControllerRuntimeOptions _options;
    private readonly List<ResourceInformer> _informers = [];
    private readonly Dictionary<string, WorkQueue> _queues = [];
    private readonly List<QueueWorkers> _workers = [];
    private readonly LeaderElector? _elector;
    private readonly HealthAndMetricsEndpoint _health;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopWorkers = new();
    private readonly CancellationTokenSource _stopInformers = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _informerTasks = [];
    private Task _leadership = Task.CompletedTask;
    private volatile bool _workersRunning;
    private int _stopped;

    public ControllerRuntime(
        ControllerRuntimeOptions options,
        ListWatchClient client,
        LeaseClient leases,
        IEnumerable<IReconciler> reconcilers,
        RuntimeMetrics metrics,
        HealthAndMetricsEndpoint health,
        InformerCaches caches,
        TimeProvider time,
        Func<double> random,
        ILoggerFactory loggers)
    {
        _options = options;
        _health = health;
        _logger = loggers.CreateLogger("CsiDriver.ExternalSecrets.Runtime");
        var byKind = reconcilers.GroupBy(r => r.Kind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var ns = options.WatchNamespace;
        var watched = new (WatchedResource Resource, bool ClusterScoped)[]
        {
            (ControllerResources.ExternalSecrets(ns), false),
            (ControllerResources.SecretStores(ns), false),
            (ControllerResources.ClusterSecretStores(), true),
            (ControllerResources.ManagedSecrets(ns), false),
            (ControllerResources.ClusterExternalSecrets(), true),
            (ControllerResources.Namespaces(), true),
            (ControllerResources.PushSecrets(ns), false),
            (ControllerResources.ClusterPushSecrets(), true),
        };

        foreach (var kind in watched.Select(w => w.Resource.Kind).Where(k => k is not ControllerResources.SecretKind and not ControllerResources.NamespaceKind))
        {
            if (byKind.TryGetValue(kind, out var reconciler))
            {
                var queue = new WorkQueue(kind, time);
                _queues[kind] = queue;
                _workers.Add(new QueueWorkers(queue, reconciler, random, metrics, _logger));
            }
            else
            {
                RuntimeLog.NoReconciler(_logger, kind);
            }
        }

        var router = new EventRouter(_queues);
        foreach (var (resource, clusterScoped) in watched)
        {
            _informers.Add(new ResourceInformer(resource, clusterScoped, client, router.OnChange, options.Informers, time, random, _logger));
            caches.Add(_informers[^1].Cache);
        }

        if (options.LeaderElection is { } election)
        {
            _elector = new LeaderElector(leases, election, time, random, _logger);
        }

        metrics.Registry.Gauge("leader_election_master_status", "1 while this replica leads (runs workers), else 0.", () => _workersRunning ? 1 : 0);
    }

    public void Start()
    {
        foreach (var informer in _informers)
        {
            _informerTasks.Add(Task.Run(() => informer.RunAsync(_stopInformers.Token), CancellationToken.None));
        }

        _informerTasks.Add(MarkReadyWhenSyncedAsync());
        _leadership = _elector is null
            ? Task.Run(() => LeadAsync(_stopWorkers.Token), CancellationToken.None)
            : Task.Run(() => _elector.RunAsync(LeadAsync, _stopWorkers.Token), CancellationToken.None);
        RuntimeLog.Started(
            _logger,
            _options.WatchNamespace is null ? "all namespaces" : $"namespace {_options.WatchNamespace}",
            _options.Workers,
            string.Join(", ", _queues.Keys),
            _options.LeaderElection is { } e ? $"on {e.Namespace}/{e.Name} as {e.Identity}" : "off");
    }

    /// <summary>Stops workers (reconciles in flight finish, up to the shutdown timeout), releases the lease, stops watching.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        RuntimeLog.Stopping(_logger);
        _abort.CancelAfter(_options.ShutdownTimeout);
        await _stopWorkers.CancelAsync().ConfigureAwait(false);
        await _leadership.ConfigureAwait(false);
        await _stopInformers.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_informerTasks).ConfigureAwait(false);
    }

    private async Task LeadAsync(CancellationToken leading)
    {
        try
        {
            await Task.WhenAll(_informers.Select(i => i.Synced)).WaitAsync(leading).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // Every object is looked at when leadership starts: a reconcile cancelled when a previous term ended took its
        // timed requeue with it, and the reconcilers skip what is not due (one GET each), so nothing is left unscheduled.
        foreach (var informer in _informers)
        {
            if (_queues.TryGetValue(informer.Resource.Kind, out var queue))
            {
                foreach (var cached in informer.Cache.Values)
                {
                    queue.Add(cached.Key);
                }
            }
        }

        RuntimeLog.WorkersStarting(_logger);
        _workersRunning = true;
        try
        {
            await Task.WhenAll(_workers.Select(w => w.RunAsync(_options.Workers, leading, _abort.Token))).ConfigureAwait(false);
        }
        finally
        {
            _workersRunning = false;
        }
    }

    private async Task MarkReadyWhenSyncedAsync()
    {
        try
        {
            await Task.WhenAll(_informers.Select(i => i.Synced)).WaitAsync(_stopInformers.Token).ConfigureAwait(false);
            _health.MarkReady();
        }
        catch (OperationCanceledException)
        {
            // Stopped before the first lists came in.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        foreach (var queue in _queues.Values)
        {
            queue.Dispose();
        }

        _stopWorkers.Dispose();
        _stopInformers.Dispose();
        _abort.Dispose();
    }
}
