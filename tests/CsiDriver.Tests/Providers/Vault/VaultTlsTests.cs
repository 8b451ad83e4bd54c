using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>HTTPS to Vault with a generated CA: custom CA file and directory, SNI name, skip-verify, mutual TLS.</summary>
public sealed class VaultTlsTests : IDisposable
{
    private const string Objects = "- {objectName: x, secretPath: kv/k, secretKey: v}";
    private readonly TestDirectory _directory = new();
    private readonly X509Certificate2 _ca;
    private readonly string _caFile;

    public VaultTlsTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Test Vault CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        _caFile = _directory.Combine("ca", "vault-ca.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(_caFile)!);
        File.WriteAllText(_caFile, _ca.ExportCertificatePem());
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Https_CaCertPath_TrustsTheVaultCertificate()
    {
        await using var vault = await StartAsync(Issue("CN=vault", dns: "localhost", ip: IPAddress.Loopback));

        var result = await vault.FetchAsync(vault.Request(vault.Parameters(Objects, ("vaultCACertPath", _caFile))));

        result.Text("x").Should().Be("value");
    }

    [Fact]
    public async Task Https_CaDirectory_TrustsTheVaultCertificate()
    {
        File.WriteAllText(_directory.Combine("ca", "README"), "not a certificate");
        await using var vault = await StartAsync(Issue("CN=vault", dns: "localhost", ip: IPAddress.Loopback));

        var result = await vault.FetchAsync(vault.Request(vault.Parameters(Objects, ("vaultCADirectory", Path.GetDirectoryName(_caFile)))));

        result.Text("x").Should().Be("value");
    }

    [Fact]
    public async Task Https_NoCaConfigured_FailsAsUnavailable()
    {
        await using var vault = await StartAsync(Issue("CN=vault", dns: "localhost", ip: IPAddress.Loopback));

        var ex = await vault.FailsAsync(vault.Request(vault.Parameters(Objects)));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("cannot reach Vault");
    }

    [Fact]
    public async Task Https_MissingCaFile_IsInvalidConfiguration()
    {
        await using var vault = await StartAsync(Issue("CN=vault", dns: "localhost", ip: IPAddress.Loopback));

        var ex = await vault.FailsAsync(vault.Request(vault.Parameters(Objects, ("vaultCACertPath", _directory.Combine("nope.pem")))));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("cannot read the Vault CA certificates");
    }

    [Fact]
    public async Task Https_TlsServerName_ValidatesAgainstThatName()
    {
        await using var vault = await StartAsync(Issue("CN=vault.internal", dns: "vault.internal", ip: null));

        var ex = await vault.FailsAsync(vault.Request(vault.Parameters(Objects, ("vaultCACertPath", _caFile))));
        var result = await vault.FetchAsync(vault.Request(vault.Parameters(Objects, ("vaultCACertPath", _caFile), ("vaultTLSServerName", "vault.internal"))));

        ex.Kind.Should().Be(FailureKind.Unavailable, "the certificate does not name 127.0.0.1");
        result.Text("x").Should().Be("value");
    }

    [Fact]
    public async Task Https_SkipTlsVerify_AcceptsAnUntrustedCertificate()
    {
        await using var vault = await StartAsync(Issue("CN=vault", dns: "elsewhere", ip: null));

        var result = await vault.FetchAsync(vault.Request(vault.Parameters(Objects, ("vaultSkipTLSVerify", "true"))));

        result.Text("x").Should().Be("value");
    }

    [Fact]
    public async Task Https_ClientCertificate_IsPresentedForMutualTls()
    {
        using var client = Issue("CN=csi-driver", dns: null, ip: null, clientAuth: true);
        var certFile = _directory.Combine("client.crt");
        var keyFile = _directory.Combine("client.key");
        File.WriteAllText(certFile, client.ExportCertificatePem());
        File.WriteAllText(keyFile, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var https = Https(Issue("CN=vault", dns: "localhost", ip: IPAddress.Loopback));
        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate;
        https.ClientCertificateValidation = (cert, _, _) => cert.Issuer == _ca.Subject;
        await using var vault = await VaultTestContext.StartAsync(https: https);
        vault.Server.PutKv1("k", new() { ["v"] = "value" });

        var without = await vault.FailsAsync(vault.Request(vault.Parameters(Objects, ("vaultCACertPath", _caFile))));
        var result = await vault.FetchAsync(vault.Request(vault.Parameters(
            Objects, ("vaultCACertPath", _caFile), ("vaultTLSClientCertPath", certFile), ("vaultTLSClientKeyPath", keyFile))));

        without.Kind.Should().Be(FailureKind.Unavailable);
        result.Text("x").Should().Be("value");
    }

    private async Task<VaultTestContext> StartAsync(X509Certificate2 serverCertificate)
    {
        var vault = await VaultTestContext.StartAsync(https: Https(serverCertificate));
        vault.Server.PutKv1("k", new() { ["v"] = "value" });
        return vault;
    }

    private static HttpsConnectionAdapterOptions Https(X509Certificate2 certificate) => new() { ServerCertificate = certificate };

    private X509Certificate2 Issue(string subject, string? dns, IPAddress? ip, bool clientAuth = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (dns is not null)
        {
            san.AddDnsName(dns);
        }

        if (ip is not null)
        {
            san.AddIpAddress(ip);
        }

        if (dns is not null || ip is not null)
        {
            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [clientAuth ? new Oid("1.3.6.1.5.5.7.3.2") : new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Kestrel on Linux needs an exportable, persisted-style key: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
