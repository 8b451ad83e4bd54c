using CsiDriver.Grpc;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Csi;

public sealed class IdentityAndNodeInfoTests
{
    [Fact]
    public async Task GetPluginInfo_DefaultFlags_ReportsUpstreamDriverNameAndOurVersion()
    {
        await using var driver = await DriverFixture.StartAsync();
        var info = await driver.Client.CallAsync("/csi.v1.Identity/GetPluginInfo", new GetPluginInfoRequest(), GetPluginInfoResponse.Parser);
        info.Name.Should().Be("secrets-store.csi.k8s.io");
        info.VendorVersion.Should().MatchRegex(@"^v\d+\.\d+\.\d+$");
    }

    [Fact]
    public async Task GetPluginInfo_DriverNameFlag_ReportsThatName()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.DriverName = "secrets.example.com");
        var info = await driver.Client.CallAsync("/csi.v1.Identity/GetPluginInfo", new GetPluginInfoRequest(), GetPluginInfoResponse.Parser);
        info.Name.Should().Be("secrets.example.com");
    }

    [Fact]
    public async Task GetPluginCapabilities_NodeOnlyDriver_AdvertisesNoControllerService()
    {
        await using var driver = await DriverFixture.StartAsync();
        var caps = await driver.Client.CallAsync("/csi.v1.Identity/GetPluginCapabilities", new GetPluginCapabilitiesRequest(), GetPluginCapabilitiesResponse.Parser);
        caps.Capabilities.Should().NotContain(c => c.Service != null && c.Service.Type == PluginCapability.Types.Service.Types.Type.ControllerService);
    }

    [Fact]
    public async Task Probe_StartedDriver_IsReady()
    {
        await using var driver = await DriverFixture.StartAsync();
        var probe = await driver.Client.CallAsync("/csi.v1.Identity/Probe", new ProbeRequest(), ProbeResponse.Parser);
        probe.Ready.Should().Be(true);
    }

    [Fact]
    public async Task NodeGetCapabilities_AdvertisesVolumeMountGroupOnly()
    {
        await using var driver = await DriverFixture.StartAsync();
        var caps = await driver.Client.CallAsync("/csi.v1.Node/NodeGetCapabilities", new NodeGetCapabilitiesRequest(), NodeGetCapabilitiesResponse.Parser);
        caps.Capabilities.Select(c => c.Rpc.Type).Should().Equal(NodeServiceCapability.Types.RPC.Types.Type.VolumeMountGroup);
    }

    [Fact]
    public async Task NodeGetInfo_NodeIdFlag_ReportsIt()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.NodeId = "worker-7");
        var info = await driver.Client.CallAsync("/csi.v1.Node/NodeGetInfo", new NodeGetInfoRequest(), NodeGetInfoResponse.Parser);
        info.NodeId.Should().Be("worker-7");
        info.MaxVolumesPerNode.Should().Be(0);
    }

    [Theory]
    [InlineData("/csi.v1.Node/NodeStageVolume")]
    [InlineData("/csi.v1.Node/NodeUnstageVolume")]
    [InlineData("/csi.v1.Node/NodeGetVolumeStats")]
    [InlineData("/csi.v1.Node/NodeExpandVolume")]
    public async Task UnadvertisedNodeRpc_AnyRequest_Unimplemented(string method)
    {
        await using var driver = await DriverFixture.StartAsync();
        var error = await CsiClient.FailsAsync(() => driver.Client.CallAsync(method, new NodeStageVolumeRequest { VolumeId = "v" }, NodeStageVolumeResponse.Parser));
        error.Status.Should().Be(StatusCode.Unimplemented);
    }
}
