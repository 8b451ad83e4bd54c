using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CsiDriver.Templating;

namespace CsiDriver.Tests.Templating;

public sealed class TemplateCertificateTests : IDisposable
{
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _intermediate;
    private readonly X509Certificate2 _leaf;

    public TemplateCertificateTests()
    {
        var now = DateTimeOffset.UtcNow;
        var rootRequest = new CertificateRequest("CN=Test Root", _rootKey, HashAlgorithmName.SHA384);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        var intermediateRequest = new CertificateRequest("CN=Test Intermediate", _intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _intermediate = intermediateRequest.Create(_root, now.AddDays(-1), now.AddDays(20), [1, 2, 3]);

        var leafRequest = new CertificateRequest("CN=leaf.example", _leafKey, HashAlgorithmName.SHA256);
        using var intermediateWithKey = _intermediate.CopyWithPrivateKey(_intermediateKey);
        _leaf = leafRequest.Create(intermediateWithKey, now.AddDays(-1), now.AddDays(10), [4, 5, 6]);
    }

    public void Dispose()
    {
        _root.Dispose();
        _intermediate.Dispose();
        _leaf.Dispose();
        _rootKey.Dispose();
        _intermediateKey.Dispose();
        _leafKey.Dispose();
    }

    private static string Pem(string label, byte[] der) => new string(PemEncoding.Write(label, der)) + "\n";

    private static string Render(string template, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> data) =>
        Encoding.UTF8.GetString(new TemplateEngine(TemplateLimits.Default).Render("tls.crt", template, data));

    private byte[] Pfx(string? password, bool scrambledOrder = false)
    {
        using var leafWithKey = _leaf.CopyWithPrivateKey(_leafKey);
        var collection = scrambledOrder
            ? new X509Certificate2Collection { _root, leafWithKey, _intermediate }
            : new X509Certificate2Collection { leafWithKey, _intermediate, _root };
        return collection.Export(X509ContentType.Pkcs12, password)!;
    }

    [Fact]
    public void FilterPem_KeepsOnlyBlocksOfTheType_InOrder()
    {
        var bundle = Pem("PRIVATE KEY", _leafKey.ExportPkcs8PrivateKey()) + Pem("CERTIFICATE", _leaf.RawData)
            + "\n" + Pem("CERTIFICATE", _intermediate.RawData) + Pem("CERTIFICATE", _root.RawData);
        var data = new Dictionary<string, ReadOnlyMemory<byte>> { ["bundle"] = Encoding.ASCII.GetBytes(bundle) };

        Render("{{ .bundle | filterPEM \"CERTIFICATE\" }}", data)
            .Should().Be(Pem("CERTIFICATE", _leaf.RawData) + Pem("CERTIFICATE", _intermediate.RawData) + Pem("CERTIFICATE", _root.RawData));
        Render("{{ .bundle | filterPEM \"PRIVATE KEY\" }}", data).Should().Be(Pem("PRIVATE KEY", _leafKey.ExportPkcs8PrivateKey()));
        Render("[{{ .bundle | filterPEM \"PUBLIC KEY\" }}]", data).Should().Be("[]");
    }

    [Fact]
    public void FilterPem_JunkOnly_FailsWithoutQuotingInput()
    {
        var data = new Dictionary<string, ReadOnlyMemory<byte>> { ["bundle"] = "not-a-pem-hunter2"u8.ToArray() };
        var act = () => Render("{{ .bundle | filterPEM \"CERTIFICATE\" }}", data);
        act.Should().Throw<TemplateException>().Which.Message.Should().Contain("filterPEM").And.NotContain("hunter2");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pkcs12Cert_BinaryOrBase64_GivesOrderedChain(bool base64)
    {
        var pfx = Pfx(null, scrambledOrder: true);
        var data = new Dictionary<string, ReadOnlyMemory<byte>> { ["keystore"] = base64 ? Encoding.ASCII.GetBytes(Convert.ToBase64String(pfx)) : pfx };

        Render("{{ .keystore | pkcs12cert }}", data)
            .Should().Be(Pem("CERTIFICATE", _leaf.RawData) + Pem("CERTIFICATE", _intermediate.RawData) + Pem("CERTIFICATE", _root.RawData));
    }

    [Fact]
    public void Pkcs12Key_GivesPkcs8PemOfTheLeafKey()
    {
        var data = new Dictionary<string, ReadOnlyMemory<byte>> { ["keystore"] = Pfx(null) };

        var pem = Render("{{ .keystore | pkcs12key }}", data);

        pem.Should().StartWith("-----BEGIN PRIVATE KEY-----\n").And.EndWith("-----END PRIVATE KEY-----\n");
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        key.ExportParameters(false).Q.X.Should().Equal(_leafKey.ExportParameters(false).Q.X);
    }

    [Fact]
    public void Pkcs12PassVariants_DecryptWithPassword_AndB64decPipelineWorks()
    {
        var data = new Dictionary<string, ReadOnlyMemory<byte>>
        {
            ["keystore"] = Encoding.ASCII.GetBytes(Convert.ToBase64String(Pfx("1234"))),
            ["pass"] = "1234"u8.ToArray(),
        };

        Render("{{ .keystore | b64dec | pkcs12certPass .pass | filterPEM \"CERTIFICATE\" }}", data)
            .Should().StartWith(Pem("CERTIFICATE", _leaf.RawData));
        Render("{{ pkcs12keyPass \"1234\" .keystore }}", data).Should().StartWith("-----BEGIN PRIVATE KEY-----");
    }

    [Fact]
    public void Pkcs12_WrongPassword_FailsWithoutSecrets()
    {
        var data = new Dictionary<string, ReadOnlyMemory<byte>>
        {
            ["keystore"] = Pfx("right-password-xyz"),
            ["pass"] = "wrong-password-abc"u8.ToArray(),
        };

        var act = () => Render("line one\n  {{ .keystore | pkcs12keyPass .pass }}", data);

        var error = act.Should().Throw<TemplateException>().Which;
        error.Kind.Should().Be(TemplateErrorKind.Execution);
        error.Line.Should().Be(2);
        error.Column.Should().Be(18);
        error.Message.Should().Contain("pkcs12keyPass").And.Contain("wrong password")
            .And.NotContain("wrong-password-abc").And.NotContain("right-password-xyz");
    }
}
