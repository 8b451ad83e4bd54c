using CsiDriver.Observability;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>The driver's metrics on a registry of their own (no volumes), for providers built directly in tests.</summary>
internal static class TestMetrics
{
    public static DriverMetrics Create() => new(new MetricsRegistry(), new Providers.Vault.NoVolumes());
}
