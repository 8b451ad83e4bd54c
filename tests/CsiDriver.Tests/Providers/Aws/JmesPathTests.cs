using System.Text.Json;
using CsiDriver.Providers.Aws;

namespace CsiDriver.Tests.Providers.Aws;

public sealed class JmesPathTests
{
    private const string Document = """{"username": "u", "db-host": "h", "nested": {"inner": {"key": "deep"}}, "list": ["zero", "one", {"x": "y"}], "n": 3, "nul": null, "q\"uote": "qv"}""";

    [Theory]
    [InlineData("username", "\"u\"")]
    [InlineData("\"db-host\"", "\"h\"")]
    [InlineData("nested.inner.key", "\"deep\"")]
    [InlineData("nested.\"inner\".key", "\"deep\"")]
    [InlineData("list[0]", "\"zero\"")]
    [InlineData("list[-1].x", "\"y\"")]
    [InlineData("n", "3")]
    [InlineData("\"q\\\"uote\"", "\"qv\"")]
    public void Evaluate_SupportedExpressions(string expression, string expectedJson)
    {
        using var document = JsonDocument.Parse(Document);

        var result = JmesPath.TryParse(expression, out _)!.Evaluate(document.RootElement);

        result!.Value.GetRawText().Should().Be(expectedJson);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("nul")]
    [InlineData("username.deeper")]
    [InlineData("list[9]")]
    [InlineData("nested[0]")]
    public void Evaluate_NoMatch_Null(string expression)
    {
        using var document = JsonDocument.Parse(Document);

        JmesPath.TryParse(expression, out _)!.Evaluate(document.RootElement).Should().BeNull();
    }

    [Theory]
    [InlineData("list[*].x", JmesPath.Unsupported)]
    [InlineData("a | b", JmesPath.Unsupported)]
    [InlineData("length(list)", JmesPath.Unsupported)]
    [InlineData("list[?x == 'y']", JmesPath.Unsupported)]
    [InlineData("a.[b, c]", JmesPath.Unsupported)]
    [InlineData("a.", "syntax")]
    [InlineData("a..b", "syntax")]
    [InlineData("\"open", "syntax")]
    [InlineData("a[x]", "syntax")]
    [InlineData("", "syntax")]
    public void TryParse_InvalidOrUnsupported(string expression, string error)
    {
        JmesPath.TryParse(expression, out var reason).Should().BeNull();
        reason.Should().Be(error);
    }
}
