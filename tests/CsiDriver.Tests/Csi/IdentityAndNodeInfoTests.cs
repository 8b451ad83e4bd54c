using Grpc.Core;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Csi;

public sealed class IdentityAndNodeInfoTests
{
    [Fact]
    public async Task GetPluginInfo_DefaultFlags_ReportsUpstreamDriverNameAndOurVersion()
    {
        await using var driver = await DriverFixture.StartAsync();
        var info = await driver.Client.Identity.GetPluginInfoAsync(new GetPluginInfoRequest(), CsiClient.Deadline());
        info.Name.Should().Be("secrets-store.csi.k8s.io");
        info.VendorVersion.Should().MatchRegex(@"^v\d+\.\d+\.\d+$");
    }

    [Fact]
    public async Task GetPluginInfo_DriverNameFlag_ReportsThatName()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.DriverName = "secrets.example.com");
        var info = await driver.Client.Identity.GetPluginInfoAsync(new GetPluginInfoRequest(), CsiClient.Deadline());
        info.Name.Should().Be("secrets.example.com");
    }

    [Fact]
    public async Task GetPluginCapabilities_NodeOnlyDriver_AdvertisesNoControllerService()
    {
        await using var driver = await DriverFixture.StartAsync();
        var caps = await driver.Client.Identity.GetPluginCapabilitiesAsync(new GetPluginCapabilitiesRequest(), CsiClient.Deadline());
        caps.Capabilities.Should().NotContain(c => c.Service != null && c.Service.Type == PluginCapability.Types.Service.Types.Type.ControllerService);
    }

    [Fact]
    public async Task Probe_StartedDriver_IsReady()
    {
        await using var driver = await DriverFixture.StartAsync();
        var probe = await driver.Client.Identity.ProbeAsync(new ProbeRequest(), CsiClient.Deadline());
        probe.Ready.Should().Be(true);
    }

    [Fact]
    public async Task NodeGetCapabilities_AdvertisesVolumeMountGroupOnly()
    {
        await using var driver = await DriverFixture.StartAsync();
        var caps = await driver.Client.Node.NodeGetCapabilitiesAsync(new NodeGetCapabilitiesRequest(), CsiClient.Deadline());
        caps.Capabilities.Select(c => c.Rpc.Type).Should().Equal(NodeServiceCapability.Types.RPC.Types.Type.VolumeMountGroup);
    }

    [Fact]
    public async Task NodeGetInfo_NodeIdFlag_ReportsIt()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.NodeId = "worker-7");
        var info = await driver.Client.Node.NodeGetInfoAsync(new NodeGetInfoRequest(), CsiClient.Deadline());
        info.NodeId.Should().Be("worker-7");
        info.MaxVolumesPerNode.Should().Be(0);
    }

    public static TheoryData<string> UnadvertisedNodeRpcs => new() { "NodeStageVolume", "NodeUnstageVolume", "NodeGetVolumeStats", "NodeExpandVolume" };

    [Theory]
    [MemberData(nameof(UnadvertisedNodeRpcs))]
    public async Task UnadvertisedNodeRpc_AnyRequest_Unimplemented(string method)
    {
        await using var driver = await DriverFixture.StartAsync();
        var node = driver.Client.Node;
        Func<Task> call = method switch
        {
            "NodeStageVolume" => async () => await node.NodeStageVolumeAsync(new NodeStageVolumeRequest { VolumeId = "v" }, CsiClient.Deadline()),
            "NodeUnstageVolume" => async () => await node.NodeUnstageVolumeAsync(new NodeUnstageVolumeRequest { VolumeId = "v" }, CsiClient.Deadline()),
            "NodeGetVolumeStats" => async () => await node.NodeGetVolumeStatsAsync(new NodeGetVolumeStatsRequest { VolumeId = "v" }, CsiClient.Deadline()),
            _ => async () => await node.NodeExpandVolumeAsync(new NodeExpandVolumeRequest { VolumeId = "v" }, CsiClient.Deadline()),
        };

        var error = await CsiClient.FailsAsync(call);

        error.StatusCode.Should().Be(StatusCode.Unimplemented);
        error.Status.Detail.Should().Contain(method).And.Contain("does not advertise");
    }

    [Fact]
    public async Task ControllerGetCapabilities_OverTheSocket_OneCapabilityOfTypeUnknown()
    {
        await using var driver = await DriverFixture.StartAsync();

        var caps = await driver.Client.Controller.ControllerGetCapabilitiesAsync(new ControllerGetCapabilitiesRequest(), CsiClient.Deadline());

        caps.Capabilities.Should().ContainSingle()
            .Which.Rpc.Type.Should().Be(ControllerServiceCapability.Types.RPC.Types.Type.Unknown);
    }

    [Fact]
    public async Task ControllerCreateVolume_AnyRequest_UnimplementedAndDriverStillServes()
    {
        await using var driver = await DriverFixture.StartAsync();
        var request = new CreateVolumeRequest { Name = "pvc-1" };
        request.Secrets.Add("password", "CONTROLLER-SECRET");

        var error = await CsiClient.FailsAsync(async () => await driver.Client.Controller.CreateVolumeAsync(request, CsiClient.Deadline()));

        error.StatusCode.Should().Be(StatusCode.Unimplemented);
        error.Status.Detail.Should().NotContain("CONTROLLER-SECRET");
        (await driver.Client.Identity.ProbeAsync(new ProbeRequest(), CsiClient.Deadline())).Ready.Should().Be(true);
    }

    [Fact]
    public async Task ControllerGetSnapshot_AnyRequest_Unimplemented()
    {
        await using var driver = await DriverFixture.StartAsync();
        var request = new GetSnapshotRequest { SnapshotId = "snap-1" };
        request.Secrets.Add("token", "SNAPSHOT-SECRET");

        var error = await CsiClient.FailsAsync(async () => await driver.Client.Controller.GetSnapshotAsync(request, CsiClient.Deadline()));

        error.StatusCode.Should().Be(StatusCode.Unimplemented);
        error.Status.Detail.Should().NotContain("SNAPSHOT-SECRET");
    }
}
