using CsiDriver.Providers;

namespace CsiDriver.Tests.Providers;

/// <summary>Parameter texts parsed once per class version: the cache every provider's objects list goes through.</summary>
public sealed class ParsedParametersTests
{
    [Fact]
    public void GetOrParse_SameTextInstanceAndInputs_ParsedOnceAndSharedResult()
    {
        var text = new string("- objectName: a".AsSpan());
        var parses = 0;

        var first = ParsedParameters.GetOrParse(text, "x", () => { parses++; return new List<string> { "a" }; });
        var second = ParsedParameters.GetOrParse(text, "x", () => { parses++; return new List<string> { "b" }; });

        parses.Should().Be(1);
        second.Should().BeSameAs(first);
    }

    [Fact]
    public void GetOrParse_OtherInputs_ParsedAgainAndKeptInstead()
    {
        var text = new string("- objectName: a".AsSpan());
        var parses = 0;

        ParsedParameters.GetOrParse(text, "us-east-1", () => { parses++; return new List<string> { "east" }; });
        var west = ParsedParameters.GetOrParse(text, "us-west-2", () => { parses++; return new List<string> { "west" }; });
        var westAgain = ParsedParameters.GetOrParse(text, "us-west-2", () => { parses++; return new List<string> { "other" }; });

        parses.Should().Be(2);
        westAgain.Should().BeSameAs(west).And.Equal("west");
    }

    [Fact]
    public void GetOrParse_EqualTextOfAnotherClassVersion_ParsedAgain()
    {
        var parses = 0;

        ParsedParameters.GetOrParse(new string("- objectName: a".AsSpan()), "x", () => { parses++; return new object(); });
        ParsedParameters.GetOrParse(new string("- objectName: a".AsSpan()), "x", () => { parses++; return new object(); });

        parses.Should().Be(2, "entries are per text instance: a class read again is parsed again, and nothing outlives its class");
    }

    [Fact]
    public void GetOrParse_ParseFails_NothingKeptAndTheNextCallParsesAgain()
    {
        var text = new string("objects: [".AsSpan());
        var parses = 0;

        var failing = () => ParsedParameters.GetOrParse<object>(text, "x", () => { parses++; throw new InvalidOperationException("bad"); });

        failing.Should().Throw<InvalidOperationException>();
        failing.Should().Throw<InvalidOperationException>();
        parses.Should().Be(2);
    }

    [Fact]
    public void GetOrParse_SameTextParsedAsAnotherType_ParsedAgain()
    {
        var text = new string("- objectName: a".AsSpan());

        ParsedParameters.GetOrParse(text, "x", () => new List<string> { "a" });
        var other = ParsedParameters.GetOrParse(text, "x", () => new List<int> { 1 });

        other.Should().Equal(1);
    }
}
