using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;
using Google.Protobuf;

namespace CsiDriver.Tests.Grpc;

/// <summary>
/// Hand-made HTTP/2 requests against the driver's socket: what Grpc.AspNetCore answers to bad frames,
/// unknown methods and oversized messages, and that the driver keeps serving afterwards.
/// </summary>
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
    [InlineData("/csi.v1.Identity/Nope")]
    [InlineData("/csi.v1.GroupController/CreateVolumeGroupSnapshot")]
    [InlineData("/csi.v1.Controller/CreateVolume")]
    [InlineData("/csi.v1.Controller/ControllerModifyVolume")]
    public async Task Call_UnknownOrUnservedMethod_UnimplementedWithoutMessageBody(string path)
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync(path, ProbeFrame);

        response.HttpStatus.Should().Be(200);
        response.GrpcStatus.Should().Be(12);
        response.Body.Should().BeEmpty();
    }

    public static TheoryData<string, byte[], Dictionary<string, string>> BadFrames => new()
    {
        { "truncated payload", RawGrpcClient.Frame([0x08, 0x01], declaredLength: 10), [] },
        { "truncated header", [0, 0, 0], [] },
        { "empty body", [], [] },
        { "compressed without encoding", RawGrpcClient.Frame([0x08, 0x01], flag: 1), [] },
        { "unknown flag", RawGrpcClient.Frame([], flag: 7), [] },
        { "garbage protobuf", RawGrpcClient.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), [] },
        { "two messages", [.. RawGrpcClient.Frame([]), .. RawGrpcClient.Frame([])], [] },
        { "declared 5 MiB", RawGrpcClient.Frame([], declaredLength: 5 * 1024 * 1024), [] },
        { "gzip encoding, not gzip data", RawGrpcClient.Frame([1, 2, 3, 4], flag: 1), new() { ["grpc-encoding"] = "gzip" } },
        { "unsupported encoding", RawGrpcClient.Frame([1, 2, 3, 4], flag: 1), new() { ["grpc-encoding"] = "snappy" } },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Call_MalformedFrame_NonOkStatusNothingMountedAndDriverStillServes(string scenario, byte[] body, Dictionary<string, string> headers)
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Node/NodePublishVolume", body, headers: headers);

        response.GrpcStatus.Should().NotBeNull(scenario).And.NotBe(0, scenario);
        (await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame)).GrpcStatus.Should().Be(0, scenario);
    }

    [Fact]
    public async Task Call_OversizedMessageActuallySent_ResourceExhausted()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.MaxCallRecvMsgSize = 64 * 1024);
        using var raw = new RawGrpcClient(driver.Host.SocketPath);
        var request = CsiClient.PublishRequest(driver.TargetPath());
        request.Secrets.Add("blob", new string('x', 100 * 1024));

        var response = await raw.SendAsync("/csi.v1.Node/NodePublishVolume", RawGrpcClient.Frame(request.ToByteArray()));

        response.GrpcStatus.Should().Be(8);
        response.GrpcMessage.Should().NotContain("xxxx");
        Volume.MountCount(request.TargetPath).Should().Be(0);
    }

    [Fact]
    public async Task Call_MessageJustUnderTheLimit_ReachesTheService()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.MaxCallRecvMsgSize = 64 * 1024);
        using var raw = new RawGrpcClient(driver.Host.SocketPath);
        var request = CsiClient.PublishRequest(driver.TargetPath(), className: "absent");
        request.Secrets.Add("blob", new string('x', 60 * 1024));

        var response = await raw.SendAsync("/csi.v1.Node/NodePublishVolume", RawGrpcClient.Frame(request.ToByteArray()));

        response.GrpcStatus.Should().Be(5, "the service looked the class up, so the message was accepted");
    }

    [Fact]
    public async Task Call_MalformedTimeoutHeader_ServedWithoutADeadline()
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame, headers: new Dictionary<string, string> { ["grpc-timeout"] = "12X" });

        response.GrpcStatus.Should().Be(0);
    }

    [Theory]
    [InlineData("text/plain", "POST")]
    [InlineData("application/grpc", "GET")]
    public async Task Call_NotGrpc_HttpErrorStatusAndDriverStillServes(string contentType, string method)
    {
        await using var driver = await DriverFixture.StartAsync();
        using var raw = new RawGrpcClient(driver.Host.SocketPath);

        var response = await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame, contentType, method: method);

        (response.HttpStatus != 200 || response.GrpcStatus is not (null or 0)).Should().BeTrue($"HTTP {response.HttpStatus}, grpc-status {response.GrpcStatus}");
        (await raw.SendAsync("/csi.v1.Identity/Probe", ProbeFrame)).GrpcStatus.Should().Be(0);
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
