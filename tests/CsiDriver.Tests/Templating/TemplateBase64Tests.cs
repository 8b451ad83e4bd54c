using System.Text;
using static CsiDriver.Tests.Templating.TemplateTestData;

namespace CsiDriver.Tests.Templating;

public class TemplateBase64Tests
{
    [Theory]
    [InlineData("dXNl\r\ncjpwYTU1")]
    [InlineData("dXNlcjpw\nYTU1\n")]
    public void B64dec_LineBreaksInside_AreSkippedAsGoDoes(string encoded)
    {
        Render("{{ .s | b64dec }}", ("s", encoded)).Should().Be("user:pa55");
    }

    [Theory]
    [InlineData("dXNl cjpwYTU1")]
    [InlineData("dXNl\tcjpwYTU1")]
    [InlineData("dXNlcjpwYTU1=")]
    [InlineData("dXNl_cjpwYTU1")]
    public void B64dec_SpaceTabBadPaddingOrForeignCharacter_FailsWithoutTheValue(string encoded)
    {
        RenderFails("{{ .s | b64dec }}", ("s", encoded)).Message.Should().Contain("input is not valid base64").And.NotContain("cjpw");
    }

    [Fact]
    public void Pkcs12Cert_Base64WithSpaces_IsTakenAsBinaryAndFails()
    {
        var data = new Dictionary<string, ReadOnlyMemory<byte>> { ["keystore"] = Encoding.ASCII.GetBytes("TUlJ Q0lq") };

        var error = RenderFails(new CsiDriver.Templating.TemplateEngine(CsiDriver.Templating.TemplateLimits.Default), "{{ .keystore | pkcs12cert }}", data);

        error.Message.Should().Contain("cannot decode the PKCS#12 archive");
    }
}
