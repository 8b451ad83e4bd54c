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

        // Only the server keeps time here: the raw client sends the header and waits for the answer. Under load the
        // first deadline can pass before the driver has even dialled the plugin (nothing to cancel yet), so the
        // budget grows until a Mount reaches the plugin; every answer must still be the server's own DEADLINE_EXCEEDED.
        foreach (var timeout in new[] { "500m", "2S", "8S" })
        {
            var response = await raw.SendAsync(
                "/csi.v1.Node/NodePublishVolume",
                RawGrpcClient.Frame(CsiClient.PublishRequest(driver.TargetPath()).ToByteArray()),
                headers: new Dictionary<string, string> { ["grpc-timeout"] = timeout });

            response.GrpcStatus.Should().Be((int)StatusCode.DeadlineExceeded, $"grpc-timeout {timeout} passed with the provider hanging");
            if (plugin.Requests().Count > 0)
            {
                break;
            }
        }

        plugin.Requests().Should().NotBeEmpty("the Mount call must reach the provider within the longest deadline");
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
