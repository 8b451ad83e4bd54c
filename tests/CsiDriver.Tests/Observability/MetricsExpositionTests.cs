using CsiDriver.Observability;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Observability;

public sealed class MetricsExpositionTests
{
    [Fact]
    public void Render_NewDriverMetrics_FamiliesInRegistrationOrderWithTheirHelpAndType()
    {
        var text = TestMetrics.Create().Registry.Render();

        text.Should().StartWith(
            "# HELP node_publish_total Successful NodePublishVolume calls.\n# TYPE node_publish_total counter\n" +
            "# HELP node_publish_error_total Failed NodePublishVolume calls.\n# TYPE node_publish_error_total counter\n" +
            "# HELP node_unpublish_total Successful NodeUnpublishVolume calls.\n# TYPE node_unpublish_total counter\n" +
            "# HELP node_unpublish_error_total Failed NodeUnpublishVolume calls.\n# TYPE node_unpublish_error_total counter\n" +
            "# HELP rotation_reconcile_total Volumes re-published by rotation.\n# TYPE rotation_reconcile_total counter\n" +
            "# HELP rotation_reconcile_error_total Rotation re-publishes that failed.\n# TYPE rotation_reconcile_error_total counter\n" +
            "# HELP rotation_reconcile_duration_sec Time to re-publish one volume in rotation, seconds.\n# TYPE rotation_reconcile_duration_sec histogram\n" +
            "# HELP csi_secrets_store_provider_fetch_duration_seconds Time a provider took to fetch one volume's objects, seconds.\n# TYPE csi_secrets_store_provider_fetch_duration_seconds histogram\n" +
            "# HELP csi_secrets_store_backend_calls_total Calls made to secret-store backends.\n# TYPE csi_secrets_store_backend_calls_total counter\n" +
            "# HELP csi_secrets_store_rotation_pass_duration_seconds Time of one rotation pass over every volume, seconds.\n# TYPE csi_secrets_store_rotation_pass_duration_seconds histogram\n" +
            "# HELP csi_secrets_store_volumes_mounted Volumes currently published on this node.\n# TYPE csi_secrets_store_volumes_mounted gauge\ncsi_secrets_store_volumes_mounted 0\n" +
            "# HELP process_resident_memory_bytes ");
        text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).Skip(11).Select(line => line.Split(' ')[2]).Should().Equal(
            "process_resident_memory_bytes", "process_start_time_seconds", "process_open_fds", "dotnet_gc_heap_size_bytes",
            "dotnet_gc_committed_bytes", "dotnet_gc_allocated_bytes", "dotnet_jit_compiled_methods", "dotnet_jit_compiled_il_bytes");
    }

    [Fact]
    public void Render_HistogramObservations_CumulativeBucketsSumAndCount()
    {
        var metrics = TestMetrics.Create();
        metrics.Reconciled("local", TimeSpan.FromSeconds(0.25), rotated: true);
        metrics.Reconciled("local", TimeSpan.FromSeconds(5), rotated: false, errorType: "Unavailable");

        var text = metrics.Registry.Render();

        text.Should().Contain("rotation_reconcile_total{provider=\"local\",os_type=\"linux\",rotated=\"true\"} 1\n");
        text.Should().Contain("rotation_reconcile_error_total{provider=\"local\",error_type=\"Unavailable\",os_type=\"linux\",rotated=\"false\"} 1\n");
        text.Should().Contain("rotation_reconcile_duration_sec_bucket{os_type=\"linux\",le=\"0.1\"} 0\n");
        text.Should().Contain("rotation_reconcile_duration_sec_bucket{os_type=\"linux\",le=\"+Inf\"} 2\nrotation_reconcile_duration_sec_sum{os_type=\"linux\"} 5.25\nrotation_reconcile_duration_sec_count{os_type=\"linux\"} 2\n");
    }
}
