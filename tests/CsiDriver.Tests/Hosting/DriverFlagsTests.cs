using CsiDriver.Hosting;

namespace CsiDriver.Tests.Hosting;

public sealed class DriverFlagsTests
{
    [Fact]
    public void Parse_NoArgs_UpstreamDefaults()
    {
        var options = DriverFlags.Parse([]);
        options.DriverName.Should().Be("secrets-store.csi.k8s.io");
        options.Endpoint.Should().Be("unix:///tmp/csi.sock");
        options.MaxCallRecvMsgSize.Should().Be(4194304);
        options.RotationPollInterval.Should().Be(TimeSpan.FromMinutes(2));
        options.EnableSecretRotation.Should().BeFalse();
    }

    [Fact]
    public void Parse_GoStyleForms_AllAccepted()
    {
        var options = DriverFlags.Parse(["-v=5", "--endpoint", "unix:///csi/csi.sock", "--enable-secret-rotation", "--rotation-poll-interval=1h30m", "-nodeid=n1", "--log-format-json=false"]);
        options.Verbosity.Should().Be(5);
        options.Endpoint.Should().Be("unix:///csi/csi.sock");
        options.EnableSecretRotation.Should().BeTrue();
        options.RotationPollInterval.Should().Be(TimeSpan.FromMinutes(90));
        options.NodeId.Should().Be("n1");
        options.LogFormatJson.Should().BeFalse();
    }

    [Theory]
    [InlineData("--rotation-poll-interval=soon")]
    [InlineData("--max-call-recv-msg-size=-1")]
    [InlineData("--enable-secret-rotation=maybe")]
    [InlineData("--endpoint")]
    [InlineData("stray")]
    public void Parse_BadInput_ArgumentExceptionNamingTheFlag(string arg) =>
        FluentActions.Invoking(() => DriverFlags.Parse([arg])).Should().Throw<ArgumentException>();

    [Theory]
    [InlineData("unix:///var/lib/csi.sock", "/var/lib/csi.sock")]
    [InlineData("unix://tmp/csi.sock", "/tmp/csi.sock")]
    [InlineData("/run/csi.sock", "/run/csi.sock")]
    public void ParsePath_UpstreamForms(string endpoint, string path) =>
        SocketEndpoint.ParsePath(endpoint).Should().Be(path);

    [Fact]
    public void ParsePath_Tcp_Refused() =>
        FluentActions.Invoking(() => SocketEndpoint.ParsePath("tcp://127.0.0.1:10000")).Should().Throw<ArgumentException>().WithMessage("*unix sockets only*");

    [Theory]
    [InlineData("90s", 90_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    public void GoDuration_Parse(string text, double ms) => GoDuration.Parse(text).TotalMilliseconds.Should().Be(ms);
}
