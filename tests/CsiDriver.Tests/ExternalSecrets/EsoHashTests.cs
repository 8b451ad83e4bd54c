using System.Text;
using CsiDriver.ExternalSecrets.Reconcile;

namespace CsiDriver.Tests.ExternalSecrets;

public sealed class EsoHashTests
{
    [Theory]
    [InlineData("map[]", "74a974446e359fb3e6baff9bd0058950e6edd0f040888d9989b0a11b")]
    [InlineData("map[a:[120] b:[104 105] c:[]]", "2968c4482f5b5db1cf24de74a7ca74b6a0424593b08f250b029bc394")]
    [InlineData("default/my-es", "b8464376b5fe3535e690594280bfe59b60be2603cb6cbb6d6c8bcbb4")]
    [InlineData("{annotations:map[] labels:map[]}", "f47fe3c0b255b6dd8047cdffa772587bb829efe7a1cb70febeda2eb2")]
    public void Sha3_224_ReferenceVectors_Match(string input, string expected) =>
        Sha3_224.HexOf(input).Should().Be(expected);

    [Fact]
    public void Sha3_224_EmptyInput_MatchesFips202() =>
        Sha3_224.HexOf(string.Empty).Should().Be("6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7");

    [Fact]
    public void Sha3_224_InputLongerThanOneBlock_MatchesKnownDigest() =>
        // FIPS 202 example: 200 bytes of 0xa3 (longer than the 144-byte rate).
        Convert.ToHexStringLower(Sha3_224.Hash(Enumerable.Repeat((byte)0xa3, 200).ToArray()))
            .Should().Be("9376816aba503f72f96ce7eb65ac095deee3be4bf9bbc2a1cb7e11e0");

    [Fact]
    public void DataHash_GoMapText_MatchesVector()
    {
        var data = new Dictionary<string, byte[]> { ["b"] = Encoding.UTF8.GetBytes("hi"), ["c"] = [], ["a"] = Encoding.UTF8.GetBytes("x") };
        EsoHashes.DataHash(data).Should().Be("2968c4482f5b5db1cf24de74a7ca74b6a0424593b08f250b029bc394");
        EsoHashes.DataHash(null).Should().Be("74a974446e359fb3e6baff9bd0058950e6edd0f040888d9989b0a11b");
    }

    [Fact]
    public void CreatedByAndMetaHash_MatchVectors()
    {
        EsoHashes.CreatedBy("default", "my-es").Should().Be("b8464376b5fe3535e690594280bfe59b60be2603cb6cbb6d6c8bcbb4");
        EsoHashes.MetaHash(null, new Dictionary<string, string>()).Should().Be("f47fe3c0b255b6dd8047cdffa772587bb829efe7a1cb70febeda2eb2");
    }

    [Fact]
    public void FieldManager_LongName_UsesHashedForm()
    {
        EsoHashes.FieldManager("db").Should().Be("externalsecrets.external-secrets.io/db");
        var longName = new string('a', 40);
        EsoHashes.FieldManager(longName).Should().Be("externalsecrets.external-secrets.io/sha3/" + Sha3_224.HexOf(longName));
    }
}
