using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Hosting;

public sealed class DriverProcessTests
{
    private static string[] Args(TestDirectory dir, string socket) =>
    [
        "--endpoint", "unix://" + socket,
        "--nodeid", "proc-node",
        "--metrics-addr", "127.0.0.1:0",
        "--state-dir", dir.Combine("state"),
        "--spc-dir", dir.CreateDirectory("classes"),
        "--local-store-root", dir.CreateDirectory("store"),
    ];

    [Fact]
    public async Task Start_SocketDirMissing_CreatedAndSocketIs0660()
    {
        using var dir = new TestDirectory();
        var socket = dir.Combine("deep", "plugin", "csi.sock");
        using var driver = DriverProcess.Start(Args(dir, socket));

        await driver.WaitForOutputAsync("serving CSI");

        (File.GetUnixFileMode(socket) & (UnixFileMode)0x1FF).Should().Be((UnixFileMode)Convert.ToInt32("660", 8));
        using var client = new CsiClient(socket);
        (await client.Identity.ProbeAsync(new ProbeRequest(), CsiClient.Deadline())).Ready.Should().Be(true);
    }

    [Fact]
    public async Task Start_LogFormatJson_EveryConsoleLineIsOneJsonObjectWithItsEventId()
    {
        using var dir = new TestDirectory();
        var socket = dir.Combine("csi.sock");
        using var driver = DriverProcess.Start([.. Args(dir, socket), "--log-format-json=true"]);

        await driver.WaitForOutputAsync("serving CSI");
        using var client = new CsiClient(socket);
        await client.UnpublishAsync("never-published", dir.Combine("pods", "p", "mount"));
        await driver.WaitForOutputAsync("never-published");

        var lines = driver.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().NotBeEmpty();
        foreach (var line in lines)
        {
            using var entry = System.Text.Json.JsonDocument.Parse(line);
            entry.RootElement.GetProperty("EventId").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Number, line);
            entry.RootElement.GetProperty("LogLevel").GetString().Should().NotBeNullOrEmpty(line);
        }

        lines.Should().Contain(l => l.Contains("serving CSI", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_CallInFlightFinishesThenExitsZeroAndRemovesSocketLeavingMounts()
    {
        using var dir = new TestDirectory();
        var socket = dir.Combine("csi.sock");
        using var driver = DriverProcess.Start(Args(dir, socket));
        await driver.WaitForOutputAsync("serving CSI");
        dir.CreateDirectory("store", "default");
        File.WriteAllText(dir.Combine("store", "default", "a"), "value");
        File.WriteAllText(dir.Combine("classes", "app.yaml"), "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: app}\nspec:\n  provider: local\n  parameters:\n    objects: '[{objectName: a}]'\n");
        var target = dir.Combine("pods", "p", "mount");
        using var client = new CsiClient(socket);
        await client.PublishAsync(CsiClient.PublishRequest(target));

        driver.Signal("TERM");
        var exit = await driver.WaitForExitAsync(TimeSpan.FromSeconds(30));

        exit.Should().Be(0, driver.Output);
        driver.Output.Should().Contain("Shutting down");
        File.Exists(socket).Should().BeFalse();
        Volume.IsTmpfsMount(target).Should().BeTrue("mounts outlive the driver so pods keep their files");
        File.ReadAllText(Path.Combine(target, "a")).Should().Be("value");
    }

    [Fact]
    public async Task Start_StaleSocketFromKilledDriver_RemovedAndServed()
    {
        using var dir = new TestDirectory();
        var socket = dir.Combine("csi.sock");
        using (var crashed = DriverProcess.Start(Args(dir, socket)))
        {
            await crashed.WaitForOutputAsync("serving CSI");
            crashed.Signal("KILL");
            await crashed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        File.Exists(socket).Should().BeTrue("SIGKILL leaves the socket file behind");
        using var driver = DriverProcess.Start(Args(dir, socket));

        await driver.WaitForOutputAsync("serving CSI");
        driver.Output.Should().Contain("Removed stale socket");
        using var client = new CsiClient(socket);
        (await client.Identity.ProbeAsync(new ProbeRequest(), CsiClient.Deadline())).Ready.Should().Be(true);
    }

    [Fact]
    public async Task Start_AnotherDriverServesSocket_RefusesAndExitsNonZero()
    {
        using var dir = new TestDirectory();
        var socket = dir.Combine("csi.sock");
        using var first = DriverProcess.Start(Args(dir, socket));
        await first.WaitForOutputAsync("serving CSI");

        using var second = DriverProcess.Start(Args(dir, socket));
        var exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(30));

        exit.Should().Be(1);
        second.Output.Should().Contain("another process is serving");
        first.HasExited.Should().BeFalse();
    }

    [Fact]
    public async Task Start_PathIsARegularFile_Refuses()
    {
        using var dir = new TestDirectory();
        var socket = dir.Combine("csi.sock");
        File.WriteAllText(socket, "not a socket");

        using var driver = DriverProcess.Start(Args(dir, socket));

        (await driver.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(1);
        driver.Output.Should().Contain("not a socket");
        File.ReadAllText(socket).Should().Be("not a socket");
    }

    [Fact]
    public async Task Help_ListsEveryFlag()
    {
        using var driver = DriverProcess.Start("--help");
        (await driver.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
        foreach (var flag in CsiDriver.Hosting.DriverFlags.All)
        {
            driver.Output.Should().Contain("--" + flag.Name);
        }
    }

    [Fact]
    public async Task UnknownFlag_ExitsTwoWithMessage()
    {
        using var driver = DriverProcess.Start("--no-such-flag");
        (await driver.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(2);
        driver.Output.Should().Contain("unknown flag '--no-such-flag'");
    }
}
