using System.Text;
using CsiDriver.Providers.Gcp;

namespace CsiDriver.Tests.Providers.Gcp;

public sealed class Crc32CTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("a", 0xC1D04330u)]
    public void Compute_KnownVectors_MatchCastagnoli(string input, uint expected) =>
        Crc32C.Compute(Encoding.ASCII.GetBytes(input)).Should().Be(expected);

    [Fact]
    public void Compute_32Zeros_MatchesRfc3720Vector() =>
        Crc32C.Compute(new byte[32]).Should().Be(0x8A9136AAu);
}
