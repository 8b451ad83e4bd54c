using System.Text;
using CsiDriver.Templating;
using static CsiDriver.Tests.Templating.TemplateTestData;

namespace CsiDriver.Tests.Templating;

public class TemplateLimitTests
{
    private static TemplateException Fails(TemplateLimits limits, string template, params (string, string)[] data) =>
        RenderFails(new TemplateEngine(limits), template, Data(data));

    [Fact]
    public void Template_LargerThanLimit_IsRejectedBeforeParsing()
    {
        var error = Fails(new TemplateLimits { MaxTemplateBytes = 100 }, new string('x', 101));

        error.Kind.Should().Be(TemplateErrorKind.Limit);
        error.Cause.Should().Contain("larger than 100 bytes");
    }

    [Fact]
    public void Template_DefaultLimit_Is64KiB()
    {
        var engine = new TemplateEngine(TemplateLimits.Default);
        engine.Render("t", new string('x', 64 * 1024), Data()).Length.Should().Be(64 * 1024);
        var act = () => engine.Render("t", new string('x', (64 * 1024) + 1), Data());
        act.Should().Throw<TemplateException>().Which.Kind.Should().Be(TemplateErrorKind.Limit);
    }

    [Fact]
    public void Output_LargerThanLimit_Fails()
    {
        var error = Fails(new TemplateLimits { MaxOutputBytes = 1000 }, "{{ range $i := 100 }}{{ $.v }}{{ end }}", ("v", new string('s', 20)));

        error.Kind.Should().Be(TemplateErrorKind.Limit);
        error.Cause.Should().Contain("output larger than 1000 bytes");
        error.Message.Should().NotContain("sssss");
    }

    [Theory]
    [InlineData("{{ repeat 100000000 \"ab\" }}")]
    [InlineData("{{ indent 100000000 \"a\" }}")]
    [InlineData("{{ printf \"%999999999s\" \"a\" }}")]
    [InlineData("{{ $s := \"abcdefgh\" }}{{ range $i := 30 }}{{ $s = printf \"%s%s\" $s $s }}{{ end }}")]
    [InlineData("{{ replace \"a\" \"bbbbbbbbbbbbbbbbbbbb\" (repeat 100000 \"a\") }}")]
    public void Functions_ProducingHugeStrings_FailBeforeAllocating(string template)
    {
        var error = Fails(TemplateLimits.Default, template);

        error.Kind.Should().Be(TemplateErrorKind.Limit);
    }

    [Fact]
    public void Range_TotalIterationsAreBounded()
    {
        var error = Fails(new TemplateLimits { MaxRangeIterations = 50 }, "{{ range $i := 10 }}{{ range $j := 10 }}{{ end }}{{ end }}");

        error.Kind.Should().Be(TemplateErrorKind.Limit);
        error.Cause.Should().Contain("more than 50 range iterations");
        (error.Line, error.Column).Should().Be((1, 21));
    }

    [Fact]
    public void Nesting_DeeperThanLimit_IsAParseLimitError()
    {
        var deepIf = string.Concat(Enumerable.Repeat("{{ if true }}", 40)) + string.Concat(Enumerable.Repeat("{{ end }}", 40));
        Fails(TemplateLimits.Default, deepIf).Cause.Should().Contain("nested deeper than 32");

        var deepParens = "{{ " + new string('(', 40) + "1" + new string(')', 40) + " }}";
        Fails(TemplateLimits.Default, deepParens).Cause.Should().Contain("nested deeper than 32");
    }

    [Fact]
    public void Steps_AreBounded()
    {
        var error = Fails(new TemplateLimits { MaxSteps = 1000 }, "{{ range $i := 1000 }}{{ add 1 2 }}{{ end }}");

        error.Kind.Should().Be(TemplateErrorKind.Limit);
        error.Cause.Should().Contain("1000 evaluation steps");
    }

    [Fact]
    public void Cancellation_StopsRendering()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var engine = new TemplateEngine(TemplateLimits.Default);

        var act = () => engine.Render("t", "{{ range $i := 5000 }}{{ $i }}{{ end }}", Data(), cts.Token);

        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void HostileObjectNames_AreOnlyReachableThroughIndex()
    {
        var name = "../../etc/passwd {{ .x }}\n\"quoted\"";
        Encoding.UTF8.GetString(new TemplateEngine(TemplateLimits.Default).Render("t", "{{ index . \"../../etc/passwd {{ .x }}\\n\\\"quoted\\\"\" }}", Data((name, "v"))))
            .Should().Be("v");
    }
}
