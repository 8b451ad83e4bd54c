using System.Text.RegularExpressions;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Observability;

public sealed partial class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_AfterPublishesAndAFailure_UpstreamNamesWithCountsInValidExposition()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "SECRET-VALUE-IN-METRICS-CHECK");
        driver.WriteClass("app", "local", "- objectName: a");
        await driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath("p1"), volumeId: "v1"));
        await driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath("p2"), volumeId: "v2"));
        await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath("p3"), className: "missing", volumeId: "v3")));
        await driver.Client.UnpublishAsync("v2", driver.TargetPath("p2"));
        using var http = new HttpClient { BaseAddress = driver.MetricsUri };

        var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        text.Should().Contain("node_publish_total{provider=\"local\",os_type=\"linux\"} 2");
        text.Should().Contain("node_publish_error_total{provider=\"\",error_type=\"SecretProviderClassNotFound\",os_type=\"linux\"} 1");
        text.Should().Contain("node_unpublish_total{os_type=\"linux\"} 1");
        text.Should().Contain("csi_secrets_store_volumes_mounted 1");
        text.Should().Contain("csi_secrets_store_provider_fetch_duration_seconds_count{provider=\"local\"} 2");
        text.Should().NotContain("SECRET-VALUE-IN-METRICS-CHECK");
        AssertValidExposition(text);
    }

    [Fact]
    public async Task HealthAndReady_StartedDriver_Ok()
    {
        await using var driver = await DriverFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = driver.MetricsUri };

        (await http.GetStringAsync(new Uri("/healthz", UriKind.Relative))).Should().Be("ok\n");
        (await http.GetStringAsync(new Uri("/readyz", UriKind.Relative))).Should().Be("ready\n");
        (await http.GetAsync(new Uri("/nope", UriKind.Relative))).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task MetricsPort_GrpcRequest_NotRoutedToCsi()
    {
        await using var driver = await DriverFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = driver.MetricsUri };

        var response = await http.PostAsync(new Uri("/csi.v1.Identity/Probe", UriKind.Relative), new ByteArrayContent([0, 0, 0, 0, 0]));

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.MethodNotAllowed);
    }

    /// <summary>Checks every line against the text exposition grammar and that each family is declared once.</summary>
    private static void AssertValidExposition(string text)
    {
        var declared = new HashSet<string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                declared.Add(parts[2]).Should().BeTrue($"{parts[2]} is declared once");
                parts[3].Should().BeOneOf("counter", "gauge", "histogram");
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            SampleLine().IsMatch(line).Should().BeTrue($"'{line}' is a valid sample");
        }
    }

    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$""")]
    private static partial Regex SampleLine();
}
