using System.Security.Cryptography;
using System.Text;
using static CsiDriver.Tests.Templating.TemplateTestData;

namespace CsiDriver.Tests.Templating;

public class TemplateFunctionTests
{
    [Theory]
    [InlineData("{{ .s | upper }}", "HELLO WORLD")]
    [InlineData("{{ \"ABC\" | lower }}", "abc")]
    [InlineData("[{{ .pad | trim }}]", "[x y]")]
    [InlineData("{{ trimAll \"$\" \"$$5.00$\" }}", "5.00")]
    [InlineData("{{ .s | trimPrefix \"hello \" }}", "world")]
    [InlineData("{{ .s | trimSuffix \" world\" }}", "hello")]
    [InlineData("{{ .s | trimPrefix \"nope\" }}", "hello world")]
    [InlineData("{{ .s | quote }}", "\"hello world\"")]
    [InlineData("{{ \"a\\\"b\\n\" | quote }}", "\"a\\\"b\\n\"")]
    [InlineData("{{ quote \"a\" 1 nil \"b\" }}", "\"a\" \"1\" \"b\"")]
    [InlineData("{{ .s | squote }}", "'hello world'")]
    [InlineData("{{ .s | replace \"o\" \"0\" }}", "hell0 w0rld")]
    [InlineData("{{ replace \"\" \"-\" \"ab\" }}", "-a-b-")]
    [InlineData("{{ (split \":\" \"user:pass\")._1 }}", "pass")]
    [InlineData("{{ splitList \",\" \"a,b\" | join \"+\" }}", "a+b")]
    [InlineData("{{ list 1 \"x\" nil 2.5 | join \",\" }}", "1,x,2.5")]
    [InlineData("{{ contains \"wor\" .s }} {{ contains \"zzz\" .s }}", "true false")]
    [InlineData("{{ hasPrefix \"hell\" .s }} {{ hasSuffix \"world\" .s }} {{ hasSuffix \"x\" .s }}", "true true false")]
    [InlineData("{{ repeat 3 \"ab\" }}", "ababab")]
    [InlineData("{{ substr 0 5 .s }}|{{ substr 6 -1 .s }}", "hello|world")]
    [InlineData("{{ trunc 5 .s }}|{{ trunc -5 .s }}", "hello|world")]
    [InlineData("{{ nospace .s }}", "helloworld")]
    [InlineData("{{ cat \"a\" nil 1 \"b\" }}", "a 1 b")]
    [InlineData("{{ toString 42 }}{{ toString true }}{{ toString 1.5 }}", "42true1.5")]
    [InlineData("{{ indent 2 \"a\\nb\" }}", "  a\n  b")]
    [InlineData("x:{{ nindent 2 \"a\\nb\" }}", "x:\n  a\n  b")]
    public void StringFunctions_MatchSprig(string template, string expected)
    {
        Render(template, ("s", "hello world"), ("pad", "  x y \n")).Should().Be(expected);
    }

    [Theory]
    [InlineData("{{ default \"d\" .empty }}", "d")]
    [InlineData("{{ default \"d\" .s }}", "v")]
    [InlineData("{{ default \"d\" 0 }}|{{ default \"d\" false }}|{{ default \"d\" nil }}", "d|d|d")]
    [InlineData("{{ empty .empty }} {{ empty .s }}", "true false")]
    [InlineData("{{ coalesce .empty \"\" .s }}", "v")]
    [InlineData("{{ ternary \"yes\" \"no\" true }}{{ ternary \"yes\" \"no\" (eq .s \"x\") }}", "yesno")]
    [InlineData("{{ required \"s is required\" .s }}", "v")]
    [InlineData("{{ $d := dict \"b\" 2 \"a\" 1 }}{{ $d.a }}{{ get $d \"b\" }}[{{ get $d \"zz\" }}]{{ hasKey $d \"a\" }}{{ keys $d | join \",\" }}", "12[]truea,b")]
    [InlineData("{{ first (list 1 2 3) }}{{ last (list 1 2 3) }}", "13")]
    [InlineData("{{ list \"b\" \"c\" \"a\" | sortAlpha | join \"\" }}", "abc")]
    [InlineData("{{ len .s }} {{ len (list 1 2) }} {{ len (dict) }}", "1 2 0")]
    [InlineData("{{ index (list \"a\" \"b\") 1 }}", "b")]
    [InlineData("{{ add 1 2 3 }} {{ sub 5 7 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }} {{ add1 1 }}", "6 -2 6 3 1 2")]
    [InlineData("{{ atoi \"42\" }} {{ atoi \"x\" }} {{ int \"0x10\" }} {{ int 3.9 }} {{ float64 \"1.5\" }}", "42 0 16 3 1.5")]
    [InlineData("{{ print \"a\" 1 2 \"b\" }}", "a1 2b")]
    [InlineData("{{ println \"a\" 1 }}", "a 1\n")]
    [InlineData("{{ html \"<a href='x'>&</a>\" }}", "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;")]
    [InlineData("{{ urlquery \"a b/c?d=e&f\" }}", "a+b%2Fc%3Fd%3De%26f")]
    public void ValueFunctions_MatchSprigAndGo(string template, string expected)
    {
        Render(template, ("s", "v"), ("empty", "")).Should().Be(expected);
    }

    [Theory]
    [InlineData("{{ printf \"%s:%d\" \"a\" 5 }}", "a:5")]
    [InlineData("{{ printf \"%v %v %v %v\" \"s\" 1 true 2.5 }}", "s 1 true 2.5")]
    [InlineData("{{ printf \"%q\" \"a\\\"b\" }}", "\"a\\\"b\"")]
    [InlineData("{{ printf \"%05d|%-4s|%4s|%+d\" 42 \"ab\" \"ab\" 3 }}", "00042|ab  |  ab|+3")]
    [InlineData("{{ printf \"%.2f %e %x %X %o %b %c %t %%\" 3.14159 1234.5 255 \"hi\" 8 5 65 false }}", "3.14 1.234500e+03 ff 6869 10 101 A false %")]
    [InlineData("{{ printf \"%.3s\" \"abcdef\" }}", "abc")]
    [InlineData("{{ printf \"%v\" (list 1 \"a\") }} {{ printf \"%v\" (dict \"k\" \"v\") }}", "[1 a] map[k:v]")]
    public void Printf_CommonVerbs(string template, string expected)
    {
        Render(template).Should().Be(expected);
    }

    [Fact]
    public void Base64_RoundTripsAndDecodesMultiline()
    {
        Render("{{ .s | b64enc }}", ("s", "user:pa55")).Should().Be("dXNlcjpwYTU1");
        Render("{{ .s | b64dec }}", ("s", "dXNl\ncjpwYTU1")).Should().Be("user:pa55");
        Render("{{ .s | b64enc | b64dec }}", ("s", "ünïcode")).Should().Be("ünïcode");
    }

    [Fact]
    public void Json_ToJsonSortsKeysAndEscapesLikeGo()
    {
        Render("{{ fromJson .j | toJson }}", ("j", "{\"b\":[1,2.5,true,null],\"a\":\"<x>&\\n\"}"))
            .Should().Be("{\"a\":\"\\u003cx\\u003e\\u0026\\n\",\"b\":[1,2.5,true,null]}");
        Render("{{ fromJson .j | toRawJson }}", ("j", "{\"a\":\"<&>\"}")).Should().Be("{\"a\":\"<&>\"}");
        Render("{{ dict \"user\" .u \"n\" 1 | toPrettyJson }}", ("u", "app"))
            .Should().Be("{\n  \"n\": 1,\n  \"user\": \"app\"\n}");
        Render("{{ .s | toJson }}", ("s", "pa\"ss")).Should().Be("\"pa\\\"ss\"");
        Render("{{ toJson 1e21 }} {{ toJson 0.0000001 }} {{ toJson 1e20 }}").Should().Be("1e+21 1e-7 100000000000000000000");
    }

    [Fact]
    public void Json_FromJsonThenIndexAndFieldAccess()
    {
        var json = "{\"db\":{\"user\":\"app\",\"host-name\":\"h\"},\"replicas\":[\"r1\",\"r2\"]}";
        Render("{{ $c := fromJson .cfg }}{{ $c.db.user }} {{ index $c \"db\" \"host-name\" }} {{ index $c.replicas 1 }}", ("cfg", json))
            .Should().Be("app h r2");
        Render("{{ (fromJson .cfg).db.user }}", ("cfg", json)).Should().Be("app");
    }

    [Fact]
    public void Hashes_AreLowercaseHex()
    {
        Render("{{ .s | sha256sum }}", ("s", "abc")).Should().Be(Convert.ToHexStringLower(SHA256.HashData("abc"u8)));
        Render("{{ .s | sha512sum }}", ("s", "abc")).Should().Be(Convert.ToHexStringLower(SHA512.HashData("abc"u8)));
        Render("{{ .s | sha1sum }}", ("s", "abc")).Should().Be("a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    [Fact]
    public void Quote_NonPrintable_UsesGoEscapes()
    {
        Render("{{ quote \"\\x01\\t\\u200b\" }}").Should().Be("\"\\x01\\t\\u200b\"");
    }

    [Fact]
    public void Split_EmptySeparator_SplitsIntoCharacters()
    {
        Render("{{ splitList \"\" \"abc\" | join \"-\" }}").Should().Be("a-b-c");
        Encoding.UTF8.GetByteCount(Render("{{ repeat 0 \"x\" }}")).Should().Be(0);
    }

    [Fact]
    public void Json_NegativeZero_KeepsItsSignLikeGo()
    {
        Render("{{ fromJson .j | toJson }} {{ fromJson .j }}", ("j", "-0")).Should().Be("-0 -0");
    }

    [Fact]
    public void Json_KeysAboveBasicPlane_SortByUtf8BytesLikeGo()
    {
        // UTF-16 order puts U+1F600 (a surrogate pair) before U+E000; Go compares UTF-8 bytes, where U+E000 comes first.
        Render("{{ dict \"\U0001F600\" 1 \"\uE000\" 2 | toJson }}").Should().Be("{\"\uE000\":2,\"\U0001F600\":1}");
    }

    [Theory]
    [InlineData("{{ urlquery \"é~!*'()\" }}", "%C3%A9~%21%2A%27%28%29")]
    [InlineData("{{ html \"\\\"\\x00'\" }}", "&#34;\uFFFD&#39;")]
    [InlineData("{{ replace \"\" \"-\" \"\" }}|{{ replace \"\" \"-\" \"é😀\" }}", "-|-é-😀-")]
    [InlineData("{{ printf \"%-6.2f|%+.1e|%6.2s|%%|%5t\" 3.14159 1234.5 \"abc\" true }}", "3.14  |+1.2e+03|    ab|%| true")]
    [InlineData("{{ sortAlpha \"x\" | join \",\" }}|{{ keys (dict \"b\" 1) (dict \"a\" 2) | join \",\" }}", "x|a,b")]
    public void EscapingAndFormatting_MatchGo(string template, string expected)
    {
        Render(template).Should().Be(expected);
    }

    [Theory]
    [InlineData("{{ printf \"abc%\" }}", "format ends in the middle of a verb")]
    [InlineData("{{ printf \"%*d\" 1 2 }}", "'*' width or precision is not supported")]
    [InlineData("{{ printf \"%y\" 1 }}", "unsupported verb %y")]
    public void Printf_MalformedFormat_FailsNamingTheProblem(string template, string cause)
    {
        RenderFails(template).Cause.Should().Contain(cause);
    }

    [Fact]
    public void Printf_PrecisionPastOutputLimit_IsALimitError()
    {
        RenderFails("{{ printf \"%.99999999999999999999f\" 1.5 }}").Kind.Should().Be(CsiDriver.Templating.TemplateErrorKind.Limit);
    }
}
