using System.Net.Sockets;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Providers.Plugins;

namespace CsiDriver.Tests.Grpc;

/// <summary>SIGTERM's path (DriverHost.StopAsync): no new calls, calls in flight finish, the socket goes.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_PublishInFlight_RefusesNewConnections_LetsTheCallFinish_ThenRemovesTheSocket()
    {
        await using var driver = await DriverFixture.StartAsync(o =>
        {
            o.ProviderVolume = Path.Combine(Path.GetDirectoryName(o.StateDir)!, "providers");
            o.AdditionalProviderVolumePaths = string.Empty;
        });
        await using var plugin = await PluginServer.StartAsync(Path.Combine(driver.Options.ProviderVolume, "fake.sock"), "gated");
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
                fakeFiles: '[["db/password","in-flight"]]'
            """);
        var target = driver.TargetPath();
        var socket = driver.Host.SocketPath;
        var publish = driver.Client.PublishAsync(CsiClient.PublishRequest(target));
        await Eventually.TrueAsync(() => plugin.Requests().Count == 1, because: "the plugin to receive the Mount");

        var stop = driver.Host.StopAsync();
        await Eventually.TrueAsync(() => !Accepts(socket), because: "the listener to close when shutdown starts");
        publish.IsCompleted.Should().BeFalse("the call is still waiting on the plugin");
        stop.IsCompleted.Should().BeFalse("shutdown waits for the call in flight");
        await File.WriteAllTextAsync(plugin.LogPath + ".release", string.Empty);

        await publish.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.WaitAsync(TimeSpan.FromSeconds(30));
        Volume.Read(target, "db/password").Should().Be("in-flight");
        File.Exists(socket).Should().BeFalse();
    }

    private static bool Accepts(string socketPath)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
