using System.Globalization;
using System.Text;
using CsiDriver.Templating;
using static CsiDriver.Tests.Templating.TemplateTestData;

namespace CsiDriver.Tests.Templating;

public class TemplateSyntaxTests
{
    [Fact]
    public void Render_DatabaseUrlFromFourObjects_QueryEscapesPassword()
    {
        var output = Render(
            "postgres://{{ .username }}:{{ .password | urlquery }}@{{ index . \"db/host\" }}:5432/{{ .dbname }}?sslmode=require",
            ("username", "app"), ("password", "p@ss w/rd&=%"), ("db/host", "db.internal"), ("dbname", "orders"));

        output.Should().Be("postgres://app:p%40ss+w%2Frd%26%3D%25@db.internal:5432/orders?sslmode=require");
    }

    [Fact]
    public void Render_PlainText_IsCopiedVerbatim()
    {
        Render("no actions here\n{ } }} {").Should().Be("no actions here\n{ } }} {");
    }

    [Fact]
    public void Render_IndexWithDashesAndSlashes_YieldsValue()
    {
        Render("{{ index . \"service-account/token\" }}", ("service-account/token", "t0k")).Should().Be("t0k");
    }

    [Fact]
    public void Render_IndexOfMissingRootKey_YieldsEmptyStringLikeGo()
    {
        Render("[{{ index . \"absent\" }}]").Should().Be("[]");
        Render("{{ index . \"absent\" | default \"fallback\" }}").Should().Be("fallback");
    }

    [Fact]
    public void Render_Pipeline_AppliesStagesLeftToRight()
    {
        Render("{{ .x | upper | quote }}", ("x", "abc")).Should().Be("\"ABC\"");
    }

    [Fact]
    public void Render_FunctionWithArguments_PipedValueIsLastArgument()
    {
        Render("{{ default \"d\" .x }}|{{ .x | default \"d\" }}|{{ .y | default \"d\" }}", ("x", ""), ("y", "set"))
            .Should().Be("d|d|set");
    }

    [Theory]
    [InlineData("{{ \"a\\tb\\u00e9\\x41\" }}", "a\tbéA")]
    [InlineData("{{ `raw \\n {{ }}` }}", "raw \\n {{ }}")]
    [InlineData("{{ 42 }} {{ -7 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 1_000 }}", "42 -7 31 15 15 1000")]
    [InlineData("{{ 1.5 }} {{ 2.0 }} {{ 1e6 }} {{ 0.0001 }} {{ 0.00001 }}", "1.5 2 1e+06 0.0001 1e-05")]
    [InlineData("{{ true }} {{ false }}", "true false")]
    [InlineData("{{ 'a' }}", "97")]
    [InlineData("{{ print nil }}", "<nil>")]
    public void Render_Literals_PrintLikeGo(string template, string expected)
    {
        Render(template).Should().Be(expected);
    }

    [Theory]
    [InlineData("{{ \"\\101\\060\\x41\\U0001F600\\\\\\\"\" }}", "A0A😀\\\"")]
    [InlineData("{{ '\\n' }} {{ '\\'' }} {{ '\\x41' }} {{ '\\101' }} {{ 'é' }} {{ '😀' }}", "10 39 65 65 233 128512")]
    [InlineData("{{ 0b101 }} {{ +5 }} {{ .5 }} {{ 1.5e3 }} {{ 0x_1F }}", "5 5 0.5 1500 31")]
    public void Render_EscapesCharactersAndNumberForms_ReadLikeGo(string template, string expected)
    {
        Render(template).Should().Be(expected);
    }

    [Fact]
    public void Render_ParenthesisedSubExpressions_EvaluateFirst()
    {
        Render("{{ printf \"%s-%s\" (upper .a) (.b | lower) }}", ("a", "x"), ("b", "Y")).Should().Be("X-y");
        Render("{{ (fromJson .cfg).db.host }}", ("cfg", "{\"db\":{\"host\":\"h1\"}}")).Should().Be("h1");
    }

    [Fact]
    public void Render_TrimMarkers_RemoveAdjacentWhitespace()
    {
        Render("a  \n\t{{- .x -}}  \n  b", ("x", "X")).Should().Be("aXb");
        Render("a {{- .x }} b", ("x", "X")).Should().Be("aX b");
        Render("a {{ .x -}} b", ("x", "X")).Should().Be("a Xb");
    }

    [Fact]
    public void Render_DashWithoutSpace_IsANumberNotATrimMarker()
    {
        Render("a {{-3}} b").Should().Be("a -3 b");
    }

    [Fact]
    public void Render_Comments_ProduceNothing()
    {
        Render("a{{/* a comment\nover lines */}}b").Should().Be("ab");
        Render("a {{- /* trimmed */ -}} b").Should().Be("ab");
    }

    [Theory]
    [InlineData("yes", "one")]
    [InlineData("maybe", "two")]
    [InlineData("no", "three")]
    public void Render_IfElseIfElse_PicksBranch(string mode, string expected)
    {
        Render("{{ if eq .mode \"yes\" }}one{{ else if eq .mode \"maybe\" }}two{{ else }}three{{ end }}", ("mode", mode))
            .Should().Be(expected);
    }

    [Fact]
    public void Render_IfTruthiness_FollowsGo()
    {
        Render("{{ if .empty }}T{{ else }}F{{ end }}{{ if .full }}T{{ end }}{{ if 0 }}T{{ else }}F{{ end }}{{ if list }}T{{ else }}F{{ end }}",
            ("empty", ""), ("full", "x")).Should().Be("FTFF");
    }

    [Fact]
    public void Render_RangeOverMap_IteratesInSortedKeyOrder()
    {
        Render("{{ range $k, $v := fromJson .users }}{{ $k }}={{ $v }};{{ end }}", ("users", "{\"zed\":\"1\",\"amy\":\"2\",\"bob\":\"3\"}"))
            .Should().Be("amy=2;bob=3;zed=1;");
    }

    [Fact]
    public void Render_RangeOverList_GivesIndexAndElement()
    {
        Render("{{ range $i, $h := splitList \",\" .hosts }}{{ if $i }},{{ end }}{{ $h }}:{{ $i }}{{ end }}", ("hosts", "a,b,c"))
            .Should().Be("a:0,b:1,c:2");
        Render("{{ range splitList \",\" .hosts }}[{{ . }}]{{ end }}", ("hosts", "a,b")).Should().Be("[a][b]");
        Render("{{ range $h := splitList \",\" .hosts }}<{{ $h }}>{{ end }}", ("hosts", "a,b")).Should().Be("<a><b>");
    }

    [Fact]
    public void Render_RangeOverRootData_IteratesObjectNames()
    {
        Render("{{ range $name, $value := . }}{{ $name }}={{ $value }}\n{{ end }}", ("b", "2"), ("a", "1")).Should().Be("a=1\nb=2\n");
    }

    [Fact]
    public void Render_RangeElse_RunsWhenEmpty()
    {
        Render("{{ range fromJson .l }}x{{ else }}none{{ end }}", ("l", "[]")).Should().Be("none");
    }

    [Fact]
    public void Render_RangeOverInt_BreakAndContinue()
    {
        Render("{{ range $i := 10 }}{{ if eq $i 2 }}{{ continue }}{{ end }}{{ if gt $i 4 }}{{ break }}{{ end }}{{ $i }}{{ end }}")
            .Should().Be("0134");
    }

    [Fact]
    public void Render_With_SetsDotAndElse()
    {
        Render("{{ with .x }}[{{ . }}]{{ else }}none{{ end }}", ("x", "v")).Should().Be("[v]");
        Render("{{ with .x }}[{{ . }}]{{ else with .y }}({{ . }}){{ else }}none{{ end }}", ("x", ""), ("y", "w")).Should().Be("(w)");
        Render("{{ with .x }}[{{ . }}]{{ else }}none{{ end }}", ("x", "")).Should().Be("none");
    }

    [Fact]
    public void Render_Variables_DeclareAssignAndRootDollar()
    {
        Render("{{ $sep := \"\" }}{{ range splitList \",\" .l }}{{ $sep }}{{ . }}{{ $sep = \";\" }}{{ end }}", ("l", "a,b,c"))
            .Should().Be("a;b;c");
        Render("{{ with .x }}{{ $.y }}{{ end }}", ("x", "1"), ("y", "root")).Should().Be("root");
        Render("{{ $cfg := fromJson .cfg }}{{ $cfg.user }}@{{ index $cfg \"host-name\" }}", ("cfg", "{\"user\":\"u\",\"host-name\":\"h\"}"))
            .Should().Be("u@h");
    }

    [Fact]
    public void Render_VariableDeclaredInBlock_IsScopedToIt()
    {
        var act = () => new TemplateEngine(TemplateLimits.Default).Render("t", "{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}", Data());
        act.Should().Throw<TemplateException>().WithMessage("*undefined variable \"$x\"*");
    }

    [Theory]
    [InlineData("{{ eq .a \"x\" }}", "true")]
    [InlineData("{{ eq .a \"y\" \"x\" }}", "true")]
    [InlineData("{{ ne .a \"x\" }}", "false")]
    [InlineData("{{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge 1.5 1 }}", "true true false true")]
    [InlineData("{{ lt \"a\" \"b\" }}", "true")]
    [InlineData("{{ and 1 \"\" }}|{{ and 1 2 }}|{{ or \"\" 0 }}|{{ or \"\" \"z\" }}", "|2|0|z")]
    [InlineData("{{ not true }} {{ not \"\" }}", "false true")]
    [InlineData("{{ eq (len .a) 1 }}", "true")]
    public void Render_Comparisons_FollowGo(string template, string expected)
    {
        Render(template, ("a", "x")).Should().Be(expected);
    }

    [Fact]
    public void Render_AndShortCircuits_SkipsFailingArgument()
    {
        Render("{{ and false (fail \"never\") }}").Should().Be("false");
        Render("{{ or true (fail \"never\") }}").Should().Be("true");
    }

    [Fact]
    public void Render_JsonNumbers_AreFloat64LikeGo()
    {
        Render("{{ $c := fromJson .c }}{{ $c.port }} {{ $c.big }} {{ $c.port | int }} {{ $c.ratio }}", ("c", "{\"port\":5432,\"big\":12345678,\"ratio\":0.25}"))
            .Should().Be("5432 1.2345678e+07 5432 0.25");
    }

    [Fact]
    public void Render_MultilineConfigFile_KeepsLayout()
    {
        var template = """
            [database]
            {{- $c := fromJson .creds }}
            user = {{ $c.user | quote }}
            password = {{ $c.password | quote }}
            {{- range $i, $h := $c.hosts }}
            host.{{ $i }} = {{ $h }}
            {{- end }}

            """;
        Render(template, ("creds", "{\"user\":\"app\",\"password\":\"s\\\"ecret\",\"hosts\":[\"a\",\"b\"]}"))
            .Should().Be("[database]\nuser = \"app\"\npassword = \"s\\\"ecret\"\nhost.0 = a\nhost.1 = b\n");
    }

    [Fact]
    public void Render_BinaryValue_IsWrittenByteForByte()
    {
        byte[] binary = [0xff, 0x00, 0xfe, 0x41];
        var data = new Dictionary<string, ReadOnlyMemory<byte>> { ["bin"] = binary };
        new TemplateEngine(TemplateLimits.Default).Render("t", "{{ .bin }}", data).Should().Equal(binary);
        Encoding.ASCII.GetString(new TemplateEngine(TemplateLimits.Default).Render("t", "{{ .bin | b64enc }}", data)).Should().Be(Convert.ToBase64String(binary));
    }

    [Fact]
    public void Render_SameTextTwice_ParsesOnceAndRendersCurrentData()
    {
        var engine = new TemplateEngine(TemplateLimits.Default);
        Encoding.UTF8.GetString(engine.Render("a", "v={{ .x }}", Data(("x", "1")))).Should().Be("v=1");
        Encoding.UTF8.GetString(engine.Render("b", "v={{ .x }}", Data(("x", "2")))).Should().Be("v=2");

        var cache = new ParsedTemplateCache(4);
        var parses = 0;
        ParsedTemplate Parse(string text) { parses++; return TemplateParser.Parse("a", text, 10); }
        cache.GetOrParse("v={{ .x }}", Parse).Should().BeSameAs(cache.GetOrParse("v={{ .x }}", Parse));
        parses.Should().Be(1);
    }

    [Fact]
    public void Render_CacheIsBounded()
    {
        var engine = new TemplateEngine(new TemplateLimits { MaxCachedTemplates = 4 });
        for (var i = 0; i < 20; i++)
        {
            Encoding.UTF8.GetString(engine.Render("t", $"{i}{{{{ .x }}}}", Data(("x", "")))).Should().Be(i.ToString(CultureInfo.InvariantCulture));
        }

        var cache = new ParsedTemplateCache(4);
        var parses = 0;
        ParsedTemplate Parse(string text) { parses++; return TemplateParser.Parse("t", text, 10); }
        for (var i = 0; i < 5; i++)
        {
            cache.GetOrParse($"{i}", Parse);
        }

        cache.GetOrParse("1", Parse);
        parses.Should().Be(6, "a full cache is emptied before it grows past its capacity, so \"1\" is parsed again");
    }

    [Fact]
    public async Task Render_ConcurrentRendersOfOneTemplate_AreIndependent()
    {
        var engine = new TemplateEngine(TemplateLimits.Default);
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() =>
            Encoding.UTF8.GetString(engine.Render("t", "{{ range $i := 50 }}{{ $.x }}{{ end }}", Data(("x", i.ToString(System.Globalization.CultureInfo.InvariantCulture))))))));
        for (var i = 0; i < results.Length; i++)
        {
            results[i].Should().Be(string.Concat(Enumerable.Repeat(i.ToString(System.Globalization.CultureInfo.InvariantCulture), 50)));
        }
    }

    [Fact]
    public void Render_RangeOverRootData_OrdersNamesByUtf8BytesLikeGo()
    {
        Render("{{ range $name, $value := . }}{{ $value }}{{ end }}", ("\U0001F600", "b"), ("\uE000", "a"), ("z", "0")).Should().Be("0ab");
    }

    [Theory]
    [InlineData("{{ 99999999999999999999 }}")]
    [InlineData("{{ 0xFFFFFFFFFFFFFFFF }}")]
    [InlineData("{{ 09 }}")]
    [InlineData("{{ 0x1p3 }}")]
    public void Render_IntegerOutsideInt64OrMalformed_IsBadNumberSyntax(string template)
    {
        var act = () => Render(template);
        act.Should().Throw<TemplateException>().Which.Cause.Should().Be("bad number syntax");
    }

    [Fact]
    public void Render_VariableAssignedInRange_UpdatesTheOuterVariable()
    {
        Render("{{ $n := 0 }}{{ range $i := 3 }}{{ $n = add $n $i }}{{ end }}{{ $n }}").Should().Be("3");
    }
}
