using CsiDriver.Grpc;

namespace CsiDriver.Tests.Grpc;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("30S", 30_000)]
    [InlineData("250m", 250)]
    [InlineData("1500u", 1.5)]
    [InlineData("99999999n", 99.999999)]
    public void TryParseTimeout_EveryUnit_Parsed(string header, double milliseconds)
    {
        GrpcProtocol.TryParseTimeout(header, out var timeout).Should().BeTrue();
        timeout.TotalMilliseconds.Should().BeApproximately(milliseconds, 0.001);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789S")]
    [InlineData("12X")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    public void TryParseTimeout_Malformed_Rejected(string header) =>
        GrpcProtocol.TryParseTimeout(header, out _).Should().BeFalse();

    [Theory]
    [InlineData(0.5)]
    [InlineData(120_000)]
    [InlineData(1e9)]
    public void FormatTimeout_RoundTripsAtMostEightDigits(double milliseconds)
    {
        var text = GrpcProtocol.FormatTimeout(TimeSpan.FromMilliseconds(milliseconds));
        text.Length.Should().BeLessThanOrEqualTo(9);
        GrpcProtocol.TryParseTimeout(text, out var parsed).Should().BeTrue();
        parsed.TotalMilliseconds.Should().BeApproximately(milliseconds, milliseconds / 1e6 + 1);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("näh\n", "n%C3%A4h%0A")]
    public void EncodeMessage_SpecRules_AndDecodeReverses(string message, string encoded)
    {
        GrpcProtocol.EncodeMessage(message).Should().Be(encoded);
        GrpcProtocol.DecodeMessage(encoded).Should().Be(message);
    }

    [Fact]
    public void DecodeMessage_MalformedEscape_KeptAsIs() =>
        GrpcProtocol.DecodeMessage("bad %ZZ escape").Should().Be("bad %ZZ escape");
}
