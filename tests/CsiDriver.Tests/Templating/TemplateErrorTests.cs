using CsiDriver.Templating;
using static CsiDriver.Tests.Templating.TemplateTestData;

namespace CsiDriver.Tests.Templating;

/// <summary>Every error names the template, line and column, and never a data value.</summary>
public class TemplateErrorTests
{
    private const string Secret = "hunter2-S3cr3t";

    public static TheoryData<string, int, int, string> ParseErrors => new()
    {
        { "ok\n  {{ .password ", 2, 3, "unclosed action" },
        { "{{ .a }}{{ /* c */ }}", 1, 12, "unexpected character U+002F" },
        { "{{/* never closed", 1, 1, "unclosed comment" },
        { "{{/* c */ x}}", 1, 1, "comment ends before closing delimiter" },
        { "x\n{{ .password | frobnicate }}", 2, 16, "function \"frobnicate\" not defined" },
        { "{{ if .a }}open", 1, 1, "missing {{end}} for {{if}}" },
        { "{{ range .a }}{{ else }}x{{ else }}y{{ end }}", 1, 26, "unexpected second {{else}}" },
        { "text {{ end }}", 1, 6, "unexpected {{end}}" },
        { "{{ else }}", 1, 1, "unexpected {{else}}" },
        { "{{ }}", 1, 4, "missing value for command" },
        { "{{ \"abc }}", 1, 4, "unterminated quoted string" },
        { "{{ 12abc }}", 1, 4, "bad number syntax" },
        { "{{ $undefined }}", 1, 4, "undefined variable \"$undefined\"" },
        { "{{ $x = 1 }}", 1, 4, "undefined variable \"$x\"" },
        { "{{ break }}", 1, 4, "{{break}} outside {{range}}" },
        { "{{ define \"x\" }}{{ end }}", 1, 4, "\"define\" is not supported" },
        { "{{ .a | \"lit\" }}", 1, 9, "non-executable command in pipeline stage 2" },
        { "{{ (.a }}", 1, 8, "unexpected \"}}\" in parenthesized pipeline" },
        { "{{ .a ) }}", 1, 7, "unexpected \")\"" },
        { "{{ printf \"%s\".a }}", 1, 15, "unexpected field access after a constant" },
    };

    [Theory]
    [MemberData(nameof(ParseErrors))]
    public void Parse_Malformed_ReportsNameLineColumnAndCause(string template, int line, int column, string cause)
    {
        var error = RenderFails(template, ("password", Secret), ("a", Secret));

        error.Kind.Should().Be(TemplateErrorKind.Parse);
        error.TemplateName.Should().Be("db-url");
        error.Message.Should().StartWith("template \"db-url\" line");
        error.Cause.Should().Contain(cause);
        (error.Line, error.Column).Should().Be((line, column));
        error.Message.Should().NotContain(Secret);
    }

    [Theory]
    [InlineData("{{ \"\\400\" }}", "unknown escape sequence in quoted string")]
    [InlineData("{{ \"\\q\" }}", "unknown escape sequence in quoted string")]
    [InlineData("{{ \"\\uD800\" }}", "invalid Unicode escape in quoted string")]
    [InlineData("{{ \"\\x4\" }}", "invalid hex escape in quoted string")]
    [InlineData("{{ \"a\nb\" }}", "unterminated quoted string")]
    [InlineData("{{ 'ab' }}", "malformed character constant")]
    [InlineData("{{ '' }}", "malformed character constant")]
    [InlineData("{{ 1.2.3 }}", "bad number syntax")]
    [InlineData("{{ 0x }}", "bad number syntax")]
    public void Parse_MalformedLiteral_ReportsItsStart(string template, string cause)
    {
        var error = RenderFails(template);

        error.Kind.Should().Be(TemplateErrorKind.Parse);
        error.Cause.Should().Be(cause);
        (error.Line, error.Column).Should().Be((1, 4));
    }

    public static TheoryData<string, int, int, string> ExecutionErrors => new()
    {
        { "postgres://{{ .username }}:{{ .pasword }}@host", 1, 31, "map has no entry for key \"pasword\"" },
        { "{{ $c := fromJson .json }}\n{{ $c.db.missing }}", 2, 4, "map has no entry for key \"missing\"" },
        { "{{ .password.inner }}", 1, 4, "can't evaluate field \".inner\" in a value of type string" },
        { "{{ .password | b64dec }}", 1, 16, "error calling b64dec: b64dec: input is not valid base64" },
        { "{{ .password | fromJson }}", 1, 16, "input is not valid JSON" },
        { "{{ .password | indent \"two\" }}", 1, 16, "wrong type for argument 1 of indent: expected int, got string" },
        { "{{ upper 42 }}", 1, 4, "wrong type for argument 1 of upper: expected string, got int" },
        { "{{ upper .password .password }}", 1, 4, "wrong number of arguments for upper: want 1, got 2" },
        { "{{ required \"password must be set\" .empty }}", 1, 4, "password must be set" },
        { "{{ fail \"unsupported mode\" }}", 1, 4, "unsupported mode" },
        { "{{ eq .password 42 }}", 1, 4, "incompatible types for comparison: string and int" },
        { "{{ lt true false }}", 1, 4, "invalid type for comparison: bool" },
        { "{{ printf \"%d\" .password }}", 1, 4, "%d can't format argument 2 of type string" },
        { "{{ printf \"%s %s\" .password }}", 1, 4, "missing argument for %s" },
        { "{{ printf \"%s\" .password .password }}", 1, 4, "extra argument" },
        { "{{ index (list 1) 5 }}", 1, 4, "index out of range for a list of length 1" },
        { "{{ range .password }}{{ end }}", 1, 1, "range can't iterate over a value of type string" },
        { "{{ .password | .empty }}", 1, 16, "can't give arguments to a non-function" },
        { "{{ div 1 0 }}", 1, 4, "division by zero" },
        { "{{ (fromJson .json).db.user.x }}", 1, 4, "can't evaluate field \".x\"" },
        { "{{ printf \"%c\" 99999999999 }}", 1, 4, "error calling printf: ArgumentOutOfRangeException" },
    };

    [Theory]
    [MemberData(nameof(ExecutionErrors))]
    public void Execute_Failure_ReportsNameLineColumnAndCauseWithoutValues(string template, int line, int column, string cause)
    {
        var error = RenderFails(template, ("username", "app"), ("password", Secret), ("empty", ""),
            ("json", "{\"db\":{\"user\":\"" + Secret + "\"}}"));

        error.Kind.Should().Be(TemplateErrorKind.Execution);
        error.Cause.Should().Contain(cause);
        (error.Line, error.Column).Should().Be((line, column));
        error.Message.Should().NotContain(Secret);
        error.InnerException.Should().BeNull();
    }

    [Fact]
    public void Execute_InvalidJsonWithSecret_ReportsOnlyPosition()
    {
        var error = RenderFails("{{ fromJson .j }}", ("j", "{\"a\": " + Secret + "}"));

        error.Cause.Should().Be("error calling fromJson: input is not valid JSON (line 1, byte 7)");
        error.Message.Should().NotContain(Secret).And.NotContain("hunter");
    }

    [Fact]
    public void Execute_ErrorAfterPartialOutput_ReturnsNoOutput()
    {
        var engine = new TemplateEngine(TemplateLimits.Default);
        var act = () => engine.Render("t", Secret + "{{ .missing }}", Data());
        act.Should().Throw<TemplateException>().Which.Message.Should().NotContain(Secret);
    }
}
