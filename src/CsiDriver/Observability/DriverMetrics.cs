using CsiDriver.State;

namespace CsiDriver.Observability;

/// <summary>
/// The driver's metrics. The upstream driver's names and labels come first, so existing dashboards and
/// alerts keep working (counters carry the <c>_total</c> suffix as upstream's exporter adds it); ours
/// are prefixed <c>csi_secrets_store_</c>. Labels are names and reasons, never values.
/// </summary>
internal sealed class DriverMetrics
{
    private const string OsType = "linux";
    private readonly CounterFamily _publish;
    private readonly CounterFamily _publishError;
    private readonly CounterFamily _unpublish;
    private readonly CounterFamily _unpublishError;
    private readonly CounterFamily _backendCalls;
    private readonly HistogramFamily _fetchDuration;
    private readonly CounterFamily _reconcile;
    private readonly CounterFamily _reconcileError;
    private readonly HistogramFamily _reconcileDuration;

    public DriverMetrics(MetricsRegistry registry, IVolumeRegistry volumes)
    {
        Registry = registry;
        _publish = registry.Counter("node_publish_total", "Successful NodePublishVolume calls.", "provider", "os_type");
        _publishError = registry.Counter("node_publish_error_total", "Failed NodePublishVolume calls.", "provider", "error_type", "os_type");
        _unpublish = registry.Counter("node_unpublish_total", "Successful NodeUnpublishVolume calls.", "os_type");
        _unpublishError = registry.Counter("node_unpublish_error_total", "Failed NodeUnpublishVolume calls.", "os_type");
        _reconcile = registry.Counter("rotation_reconcile_total", "Volumes re-published by rotation.", "provider", "os_type", "rotated");
        _reconcileError = registry.Counter("rotation_reconcile_error_total", "Rotation re-publishes that failed.", "provider", "error_type", "os_type", "rotated");
        _reconcileDuration = registry.Histogram("rotation_reconcile_duration_sec", "Time to re-publish one volume in rotation, seconds.", HistogramFamily.ExponentialRange(0.1, 2, 11), "os_type");
        _fetchDuration = registry.Histogram("csi_secrets_store_provider_fetch_duration_seconds", "Time a provider took to fetch one volume's objects, seconds.", HistogramFamily.ExponentialRange(0.001, 30, 16), "provider");
        _backendCalls = registry.Counter("csi_secrets_store_backend_calls_total", "Calls made to secret-store backends.", "provider", "call");
        RotationPassDuration = registry.Histogram("csi_secrets_store_rotation_pass_duration_seconds", "Time of one rotation pass over every volume, seconds.", HistogramFamily.ExponentialRange(0.01, 120, 14));
        registry.Gauge("csi_secrets_store_volumes_mounted", "Volumes currently published on this node.", () => volumes.All.Count);
        ProcessMetrics.Register(registry);
    }

    public MetricsRegistry Registry { get; }

    public HistogramFamily RotationPassDuration { get; }

    public void Published(string provider) => _publish.Increment(provider, OsType);

    public void PublishFailed(string provider, string errorType) => _publishError.Increment(provider, errorType, OsType);

    public void Unpublished() => _unpublish.Increment(OsType);

    public void UnpublishFailed() => _unpublishError.Increment(OsType);

    public void Fetched(string provider, TimeSpan elapsed) => _fetchDuration.Observe(elapsed.TotalSeconds, provider);

    /// <summary>
    /// Upstream's <c>rotation_reconcile_*</c>: a re-publish of a live volume (rotation pass or kubelet republish) that
    /// was not skipped; a failure when <paramref name="errorType"/> is set.
    /// </summary>
    public void Reconciled(string provider, TimeSpan elapsed, bool rotated, string? errorType = null)
    {
        if (errorType is null)
        {
            _reconcile.Increment(provider, OsType, rotated ? "true" : "false");
        }
        else
        {
            _reconcileError.Increment(provider, errorType, OsType, rotated ? "true" : "false");
        }

        _reconcileDuration.Observe(elapsed.TotalSeconds, OsType);
    }

    public void BackendCall(string provider, string call) => _backendCalls.Increment(provider, call);
}
