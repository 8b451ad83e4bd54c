using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;
using Google.Protobuf;

namespace CsiDriver.Tests.Grpc;

public sealed class GrpcWireTests
{
    private static readonly byte[] ProbeFrame = RawGrpcClient.Frame(new ProbeRequest().ToByteArray());

    [Fact]
    public async Task Call_WellFormedProbe_HeadersMessageThenOkTrailer()
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame);

        response.HttpStatus.Should().Be(200);
        response.Headers.Should().NotContainKey("grpc-status");
        response.Trailers["grpc-status"].Should().Be("0");
        response.Body[0].Should().Be(0);
        ProbeResponse.Parser.ParseFrom(response.Body.AsSpan(5).ToArray()).Ready.Should().Be(true);
    }

    [Theory]
    [InlineData("/csi.v1.Identity/Nope", "unknown method Nope for service csi.v1.Identity")]
    [InlineData("/csi.v1.Controller/CreateVolume", "unknown service csi.v1.Controller")]
    public async Task Call_UnknownMethodOrService_UnimplementedTrailersOnly(string path, string message)
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync(path, ProbeFrame);

        response.HttpStatus.Should().Be(200);
        response.Headers["grpc-status"].Should().Be("12");
        response.GrpcMessage.Should().Be(message);
        response.Body.Should().BeEmpty();
    }

    public static TheoryData<string, byte[], int, string> BadFrames => new()
    {
        { "truncated payload", RawGrpcClient.Frame([0x08, 0x01], declaredLength: 10), 13, "truncated" },
        { "truncated header", [0, 0, 0], 13, "truncated" },
        { "empty body", [], 13, "no message" },
        { "compressed without encoding", RawGrpcClient.Frame([], flag: 1), 13, "compressed" },
        { "unknown flag", RawGrpcClient.Frame([], flag: 7), 13, "flag" },
        { "garbage protobuf", RawGrpcClient.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), 13, "unmarshalling" },
        { "two messages", [.. RawGrpcClient.Frame([]), .. RawGrpcClient.Frame([])], 13, "more than one" },
        { "declared 5 MiB", RawGrpcClient.Frame([], declaredLength: 5 * 1024 * 1024), 8, "larger than max" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Call_MalformedFrame_ClearStatusAndDriverStillServes(string scenario, byte[] body, int status, string message)
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Node/NodePublishVolume", body);

        response.GrpcStatus.Should().Be(status, scenario);
        response.GrpcMessage.Should().Contain(message);
        (await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame)).GrpcStatus.Should().Be(0);
    }

    [Fact]
    public async Task Call_OversizedMessageActuallySent_ResourceExhausted()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.MaxCallRecvMsgSize = 64 * 1024);
        using var raw = new RawGrpcClient(driver.Host.SocketPath);
        var request = CsiClient.PublishRequest("/tmp/x");
        request.Secrets.Add("blob", new string('x', 100 * 1024));

        var response = await raw.SendAsync("/csi.v1.Node/NodePublishVolume", RawGrpcClient.Frame(request.ToByteArray()));

        response.GrpcStatus.Should().Be(8);
        response.GrpcMessage.Should().Contain("65536");
    }

    [Fact]
    public async Task Call_GzipEncoding_UnimplementedAndAdvertisesIdentity()
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Identity/Probe", RawGrpcClient.Frame([], flag: 1), headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        response.GrpcStatus.Should().Be(12);
        response.Headers["grpc-accept-encoding"].Should().Be("identity");
    }

    [Theory]
    [InlineData("text/plain", "POST", 415)]
    [InlineData("application/grpc", "GET", 405)]
    public async Task Call_NotGrpc_HttpErrorStatus(string contentType, string method, int httpStatus)
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame, contentType, method: method);

        response.HttpStatus.Should().Be(httpStatus);
    }

    [Fact]
    public async Task Call_MalformedTimeoutHeader_Internal()
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame, headers: new Dictionary<string, string> { ["grpc-timeout"] = "12X" });

        response.GrpcStatus.Should().Be(13);
    }

    [Fact]
    public async Task Call_ErrorMessageWithNonAscii_PercentEncodedInTrailer()
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);
        var request = CsiClient.PublishRequest("/tmp/ünïcode/100%", className: "klasse-ä");

        var response = await raw.SendAsync("/csi.v1.Node/NodePublishVolume", RawGrpcClient.Frame(request.ToByteArray()));

        response.GrpcStatus.Should().Be(5);
        response.GrpcMessage.Should().Contain("klasse-%C3%A4");
        response.GrpcMessage.Should().MatchRegex("^[\\x20-\\x7E]*$");
    }
}
