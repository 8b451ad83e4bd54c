using CsiDriver.State;

namespace CsiDriver.Observability;

/// <summary>
/// The driver's metrics. The upstream driver's names and labels come first, so existing dashboards and
/// alerts keep working (counters carry the <c>_total</c> suffix as upstream's exporter adds it); ours
/// are prefixed <c>csi_secrets_store_</c>. Labels are names and reasons, never values.
/// </summary>
internal sealed class DriverMetrics(MetricsRegistry registry, IVolumeRegistry volumes)
{
    private const string OsType = "linux";

    // Registered, and so exposed, in the order written here.
    private readonly CounterFamily _publish = registry.Counter("node_publish_total", "Successful NodePublishVolume calls.", "provider", "os_type");
    private readonly CounterFamily _publishError = registry.Counter("node_publish_error_total", "Failed NodePublishVolume calls.", "provider", "error_type", "os_type");
    private readonly CounterFamily _unpublish = registry.Counter("node_unpublish_total", "Successful NodeUnpublishVolume calls.", "os_type");
    private readonly CounterFamily _unpublishError = registry.Counter("node_unpublish_error_total", "Failed NodeUnpublishVolume calls.", "os_type");
    private readonly CounterFamily _reconcile = registry.Counter("rotation_reconcile_total", "Volumes re-published by rotation.", "provider", "os_type", "rotated");
    private readonly CounterFamily _reconcileError = registry.Counter("rotation_reconcile_error_total", "Rotation re-publishes that failed.", "provider", "error_type", "os_type", "rotated");
    private readonly HistogramFamily _reconcileDuration = registry.Histogram("rotation_reconcile_duration_sec", "Time to re-publish one volume in rotation, seconds.", HistogramFamily.ExponentialRange(0.1, 2, 11), "os_type");
    private readonly HistogramFamily _fetchDuration = registry.Histogram("csi_secrets_store_provider_fetch_duration_seconds", "Time a provider took to fetch one volume's objects, seconds.", HistogramFamily.ExponentialRange(0.001, 30, 16), "provider");
    private readonly CounterFamily _backendCalls = registry.Counter("csi_secrets_store_backend_calls_total", "Calls made to secret-store backends.", "provider", "call");

    public HistogramFamily RotationPassDuration { get; } = registry.Histogram("csi_secrets_store_rotation_pass_duration_seconds", "Time of one rotation pass over every volume, seconds.", HistogramFamily.ExponentialRange(0.01, 120, 14));

    /// <summary>The registry, the gauges of the volumes and the process registered after the families above.</summary>
    public MetricsRegistry Registry { get; } = WithGauges(registry, volumes);

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

    private static MetricsRegistry WithGauges(MetricsRegistry registry, IVolumeRegistry volumes)
    {
        registry.Gauge("csi_secrets_store_volumes_mounted", "Volumes currently published on this node.", () => volumes.All.Count);
        ProcessMetrics.Register(registry);
        return registry;
    }
}
