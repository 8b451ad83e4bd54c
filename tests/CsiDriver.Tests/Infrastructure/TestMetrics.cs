using CsiDriver.Observability;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>The driver's metrics on a registry of their own (no volumes), for providers built directly in tests.</summary>
internal static class TestMetrics
{
    public static DriverMetrics Create() => new(new MetricsRegistry(), new Providers.Vault.NoVolumes());

    /// <summary>A counter series as a scrape shows it (<c>name{label="value"}</c>); 0 when the series is not exposed yet.</summary>
    public static long Scraped(MetricsRegistry registry, string series)
    {
        var line = registry.Render().Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
