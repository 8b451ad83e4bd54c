using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Generators;

namespace CsiDriver.Tests.ExternalSecrets.Generators;

/// <summary>The Password generator: defaults as the operator's, character classes, repeats, encodings, bad specs.</summary>
public sealed class PasswordGeneratorTests
{
    private const string DefaultSymbols = "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./";

    /// <summary>Always the first choice: makes the output a fixed function of the spec.</summary>
    private sealed class FirstChoice : ISecureRandom
    {
        public int Next(int maxExclusive) => 0;
    }

    private static async Task<string> GenerateAsync(JsonObject spec, ISecureRandom? random = null)
    {
        var result = await new PasswordGenerator(random ?? new CryptoRandom()).GenerateAsync(spec, new GeneratorCall("ns", "es", "uid-1", "spec.dataFrom[0]"), CancellationToken.None);
        return Encoding.UTF8.GetString(result["password"]);
    }

    [Fact]
    public async Task EmptySpec_24CharactersSixDigitsSixSymbolsNoRepeats()
    {
        var password = await GenerateAsync(new JsonObject());

        password.Should().HaveLength(24);
        password.Count(char.IsAsciiDigit).Should().Be(6);
        password.Count(c => DefaultSymbols.Contains(c, StringComparison.Ordinal)).Should().Be(6);
        password.Count(char.IsAsciiLetter).Should().Be(12);
        password.Distinct().Should().HaveCount(24, "repeats are off by default");
    }

    [Fact]
    public async Task ExplicitCountsNoUpperAndSymbolSet_Honoured()
    {
        var password = await GenerateAsync(new JsonObject { ["length"] = 10, ["digits"] = 3, ["symbols"] = 2, ["symbolCharacters"] = "#%", ["noUpper"] = true });

        password.Should().HaveLength(10);
        password.Count(char.IsAsciiDigit).Should().Be(3);
        password.Count(c => c is '#' or '%').Should().Be(2);
        password.Any(char.IsAsciiLetterUpper).Should().BeFalse();
    }

    [Fact]
    public async Task AllowRepeat_WithAFixedRandomSource_RepeatsTheSameCharacter()
    {
        var password = await GenerateAsync(new JsonObject { ["length"] = 4, ["digits"] = 0, ["symbols"] = 0, ["allowRepeat"] = true }, new FirstChoice());

        password.Should().Be("aaaa");
    }

    [Fact]
    public async Task TwoGenerations_Differ()
    {
        (await GenerateAsync(new JsonObject())).Should().NotBe(await GenerateAsync(new JsonObject()));
    }

    [Theory]
    [InlineData("hex", "616161")]
    [InlineData("base64", "YWFh")]
    [InlineData("base32", "MFQWC===")]
    [InlineData("raw", "aaa")]
    public async Task Encoding_AppliedToThePassword(string encoding, string expected)
    {
        var spec = new JsonObject { ["length"] = 3, ["digits"] = 0, ["symbols"] = 0, ["allowRepeat"] = true, ["encoding"] = encoding };

        (await GenerateAsync(spec, new FirstChoice())).Should().Be(expected);
    }

    [Fact]
    public async Task SecretKeys_OnePasswordPerKey()
    {
        var result = await new PasswordGenerator(new CryptoRandom()).GenerateAsync(new JsonObject { ["secretKeys"] = new JsonArray("a", "b") }, new GeneratorCall("ns", "es", "uid-1", "spec.dataFrom[0]"), CancellationToken.None);

        result.Keys.Should().BeEquivalentTo(["a", "b"]);
    }

    [Theory]
    [InlineData("""{"length":4,"digits":3,"symbols":3}""", "at most the length")]
    [InlineData("""{"length":20,"digits":11,"symbols":0}""", "allowRepeat")]
    [InlineData("""{"secretKeys":["a","a"]}""", "unique")]
    public async Task ImpossibleSpec_RefusedWithTheReason(string spec, string reason)
    {
        var act = () => GenerateAsync(JsonNode.Parse(spec)!.AsObject());

        (await act.Should().ThrowAsync<GeneratorException>()).Which.Message.Should().Contain(reason);
    }
}
