using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CsiDriver.Sync;

namespace CsiDriver.Tests.Sync;

public sealed class TlsPartsTests
{
    [Fact]
    public void Pkcs12WithEmptyPassword_GivesCertificateAndPkcs1Key()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=p12", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = certificate.Export(X509ContentType.Pkcs12, string.Empty);

        var crt = Encoding.ASCII.GetString(TlsParts.Convert("tls.crt", pfx));
        var key = Encoding.ASCII.GetString(TlsParts.Convert("tls.key", pfx));

        X509Certificate2.CreateFromPem(crt).Thumbprint.Should().Be(certificate.Thumbprint);
        key.Should().StartWith("-----BEGIN RSA PRIVATE KEY-----");
        using var imported = RSA.Create();
        imported.ImportFromPem(key);
        imported.ExportParameters(false).Modulus.Should().Equal(rsa.ExportParameters(false).Modulus);
    }

    [Fact]
    public void EcPkcs8Key_IsReencodedAsSec1()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = Encoding.ASCII.GetBytes(ec.ExportPkcs8PrivateKeyPem());

        var key = Encoding.ASCII.GetString(TlsParts.Convert("tls.key", pem));

        key.Should().StartWith("-----BEGIN EC PRIVATE KEY-----");
        using var imported = ECDsa.Create();
        imported.ImportFromPem(key);
        imported.ExportParameters(false).Q.X.Should().Equal(ec.ExportParameters(false).Q.X);
    }

    [Theory]
    [InlineData("tls.crt")]
    [InlineData("tls.key")]
    public void Garbage_IsAFormatErrorThatQuotesNothing(string key)
    {
        const string Secret = "not-a-certificate-but-a-secret-value";

        var act = () => TlsParts.Convert(key, Encoding.UTF8.GetBytes(Secret));

        act.Should().Throw<FormatException>().Which.Message.Should().NotContain(Secret);
    }

    [Fact]
    public void OtherKeys_PassThroughUnchanged()
    {
        var bytes = Encoding.ASCII.GetBytes("ca bundle");

        TlsParts.Convert("ca.crt", bytes).Should().Equal(bytes);
    }
}
