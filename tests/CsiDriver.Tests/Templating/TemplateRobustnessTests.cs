using CsiDriver.Templating;
using static CsiDriver.Tests.Templating.TemplateTestData;

namespace CsiDriver.Tests.Templating;

public class TemplateRobustnessTests
{
    private static readonly string[] Pieces =
    [
        "{{", "}}", "{{- ", " -}}", "/*", "*/", " ", "\n", ".", ".x", ".j", "$", "$v", ":=", "=", "|", "(", ")", ",", "\"s\"", "`r`",
        "'c'", "1", "-2", "0x", "1e", "if", "else", "end", "range", "with", "break", "continue", "index", "printf", "\"%d%s%c%q\"",
        "fromJson", "b64dec", "split", "join", "list", "dict", "indent", "repeat", "substr", "trunc", "eq", "lt", "and", "nil", "true",
        "pkcs12cert", "filterPEM", "toJson", "urlquery", "default", "99999999999", "-99999999999", "\\", "\"",
    ];

    [Fact]
    public void Render_RandomTokenSoup_OnlyEverThrowsTemplateException()
    {
        var random = new Random(12345);
        var engine = new TemplateEngine(new TemplateLimits { MaxSteps = 10_000, MaxOutputBytes = 64 * 1024 });
        var data = Data(("x", "hunter2"), ("j", "{\"a\":[1,\"b\"]}"));
        for (var i = 0; i < 5000; i++)
        {
            var template = string.Concat(Enumerable.Range(0, random.Next(1, 25)).Select(_ => Pieces[random.Next(Pieces.Length)]));
            try
            {
                engine.Render("fuzz", template, data);
            }
            catch (TemplateException e)
            {
                e.Message.Should().NotContain("hunter2", because: template);
                e.Line.Should().BePositive();
                e.Column.Should().BePositive();
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"template {template} threw {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
