using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Providers.Plugins;
using Google.Protobuf;
using Grpc.Core;

namespace CsiDriver.Tests.Grpc;

/// <summary>
/// kubelet's deadline, end to end: grpc-timeout on the CSI call becomes the handler's cancellation, which
/// reaches the provider (a grpc-js plugin that never answers sees its Mount call cancelled).
/// </summary>
public sealed class DeadlineTests
{
    [Fact]
    public async Task Publish_DeadlinePassesWhileProviderHangs_DeadlineExceededAndProviderCallCancelled()
    {
        await using var driver = await StartDriverAsync();
        await using var plugin = await PluginServer.StartAsync(Path.Combine(driver.Options.ProviderVolume, "fake.sock"), "hang");
        WriteHangingClass(driver);
        var target = driver.TargetPath();

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target), TimeSpan.FromMilliseconds(1500)));

        error.StatusCode.Should().Be(StatusCode.DeadlineExceeded);
        await Eventually.TrueAsync(() => plugin.SawMountCancelled, because: "the provider's call must be cancelled when kubelet's deadline passes");
        Volume.MountCount(target).Should().Be(0);
    }

    [Fact]
    public async Task Publish_RawGrpcTimeoutHeader_DeadlineExceededFromTheServerAlone()
    {
        await using var driver = await StartDriverAsync();
        await using var plugin = await PluginServer.StartAsync(Path.Combine(driver.Options.ProviderVolume, "fake.sock"), "hang");
        WriteHangingClass(driver);
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        // Only the server keeps time here: the raw client sends the header and waits for the answer.
        var response = await raw.SendAsync(
            "/csi.v1.Node/NodePublishVolume",
            RawGrpcClient.Frame(CsiClient.PublishRequest(driver.TargetPath()).ToByteArray()),
            headers: new Dictionary<string, string> { ["grpc-timeout"] = "500m" });

        response.GrpcStatus.Should().Be((int)StatusCode.DeadlineExceeded);
        await Eventually.TrueAsync(() => plugin.SawMountCancelled, because: "the server's own deadline cancels the provider call");
    }

    [Fact]
    public async Task Call_AfterAHangingCallTimedOut_NextCallIsServed()
    {
        await using var driver = await StartDriverAsync();
        await using var plugin = await PluginServer.StartAsync(Path.Combine(driver.Options.ProviderVolume, "fake.sock"), "hang");
        WriteHangingClass(driver);

        await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath()), TimeSpan.FromMilliseconds(300)));
        var reply = await driver.Client.Identity.ProbeAsync(new ProbeRequest(), CsiClient.Deadline(TimeSpan.FromSeconds(10)));

        reply.Ready.Should().Be(true);
    }

    private static Task<DriverFixture> StartDriverAsync() =>
        DriverFixture.StartAsync(o =>
        {
            o.ProviderVolume = Path.Combine(Path.GetDirectoryName(o.StateDir)!, "providers");
            o.AdditionalProviderVolumePaths = string.Empty;
        });

    private static void WriteHangingClass(DriverFixture driver) =>
        File.WriteAllText(
            Path.Combine(driver.SpcDir, "default-app.yaml"),
            """
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata:
              name: app
              namespace: default
            spec:
              provider: fake
              parameters:
                fakeFiles: '[["a","b"]]'
            """);
}
