using System.Text.Json;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Interop;

/// <summary>
/// The CSI conformance suite's Identity and Node specs (csi-sanity v5, re-expressed for grpc-js in
/// tests/interop/sanity.js because csi-sanity needs Go) against the driver over its unix socket, with
/// upstream's sanity configuration. csi-sanity's Node suite asks the Controller service for its capabilities
/// before every spec, so a driver without ControllerGetCapabilities fails all of them.
/// </summary>
public sealed class CsiSanityPortTests
{
    // What runs for a driver that advertises no plugin capability and only VOLUME_MOUNT_GROUP on the node,
    // as upstream does; the remaining specs skip on csi-sanity's own rules (staging, stats, expansion,
    // CreateVolume) and must not fail.
    private static readonly string[] ExpectedToPass =
    [
        "Identity Service GetPluginCapabilities should return appropriate capabilities",
        "Identity Service Probe should return appropriate information",
        "Identity Service GetPluginInfo should return appropriate information",
        "Node Service NodeGetCapabilities should return appropriate capabilities",
        "Node Service NodeGetInfo should return appropriate values",
        "Node Service NodePublishVolume should fail when no volume id is provided",
        "Node Service NodePublishVolume should fail when no target path is provided",
        "Node Service NodePublishVolume should fail when no volume capability is provided",
        "Node Service NodeUnpublishVolume should fail when no volume id is provided",
        "Node Service NodeUnpublishVolume should fail when no target path is provided",
    ];

    [Fact]
    public async Task IdentityAndNodeSpecs_FromGrpcJs_NoneFailsAndTheUpstreamSetPasses()
    {
        _ = NodeInterop.Directory;
        await using var driver = await DriverFixture.StartAsync();
        var scratch = driver.Directory.CreateDirectory("sanity");

        var output = await NodeInterop.RunAsync("sanity.js", TimeSpan.FromMinutes(2), driver.Host.SocketPath, scratch);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var specs = lines.Where(l => l.TryGetProperty("spec", out _)).ToList();
        var failed = specs.Where(s => s.GetProperty("result").GetString() == "failed").Select(s => s.ToString()).ToList();
        failed.Should().BeEmpty();
        specs.Where(s => s.GetProperty("result").GetString() == "passed").Select(s => s.GetProperty("spec").GetString())
            .Should().BeEquivalentTo(ExpectedToPass);
        specs.Should().HaveCount(26, "csi-sanity v5 has 3 Identity and 23 Node specs");
        lines[^1].GetProperty("failed").GetInt32().Should().Be(0);
    }
}
