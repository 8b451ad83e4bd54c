using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;
using CsiDriver.Tests.Providers.Azure;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Azure;

/// <summary>
/// The <c>azurekv</c> store's ServicePrincipal with <c>authSecretRef.clientCertificate</c>: the controller signs a client
/// assertion the loopback Entra ID verifies with the registered certificate; wrong, mismatched and malformed certificates
/// fail with clear errors that never carry key material.
/// </summary>
public sealed class AzureStoreCertificateTests : IAsyncLifetime, IDisposable
{
    private readonly X509Certificate2 _registered = TestPki.CreateClientCertificate("es-reader");
    private readonly X509Certificate2 _other = TestPki.CreateClientCertificate("es-reader");
    private AzureStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await AzureStoreTestContext.StartAsync();
        _t.Azure.AddSecret("db", """{"user":"admin","pass":"first"}""");
        _t.Azure.RegisterCertificate(AzureStoreTestContext.Client, _registered);
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    public void Dispose()
    {
        _registered.Dispose();
        _other.Dispose();
    }

    [Fact]
    public async Task ClientCertificate_AssertionSignedByTheRegisteredCertificate_ReadsTheSecret()
    {
        var pem = TestPki.CertificateAndKeyPem(_registered);
        _t.PutCertificateCredentials(pem);
        var client = await _t.ConnectAsync(AzureStoreTestContext.CertificateBlock());

        var value = await client.GetSecretAsync(new RemoteRef("db", "user"), CancellationToken.None);
        _ = await client.GetSecretAsync(new RemoteRef("db", "pass"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        var form = _t.Azure.TokenForms.Should().ContainSingle("the token is cached for the identity").Which;
        form["client_assertion_type"].Should().Be("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        form.Should().NotContainKey("client_secret");
        _t.Azure.AssertionRefusals.Should().BeEmpty();
        var (header, claims) = _t.Azure.Assertions.Single();
        header["alg"]!.GetValue<string>().Should().Be("RS256");
        header["x5t"]!.GetValue<string>().Should().Be(FakeAzure.X5t(_registered));
        claims["aud"]!.GetValue<string>().Should().Be(new Uri(_t.Azure.BaseAddress, $"{FakeAzure.Tenant}/oauth2/v2.0/token").AbsoluteUri);
        (claims["iss"]!.GetValue<string>(), claims["sub"]!.GetValue<string>()).Should().Be((AzureStoreTestContext.Client, AzureStoreTestContext.Client));
        (claims["exp"]!.GetValue<long>() - claims["nbf"]!.GetValue<long>()).Should().BeInRange(60, 600, "a short-lived assertion");
        var observable = client.Identity + _t.Logs.AllText;
        observable.Should().NotContain(KeyLine(pem)).And.NotContain(form["client_assertion"]).And.NotContain(_t.Azure.IssuedTokens.Single());
        client.Identity.Should().Contain(AzureStoreTestContext.Client);
    }

    [Fact]
    public async Task ClientCertificate_Pkcs1KeyFirstThenCaAndLeaf_SignsWithTheLeafTheKeyBelongsTo()
    {
        using var ca = TestPki.CreateClientCertificate("some ca");
        using var key = _registered.GetRSAPrivateKey()!;
        var pem = key.ExportRSAPrivateKeyPem() + "\n" + ca.ExportCertificatePem() + "\n" + _registered.ExportCertificatePem() + "\n";
        _t.PutCertificateCredentials(pem);
        var client = await _t.ConnectAsync(AzureStoreTestContext.CertificateBlock());

        var value = await client.GetSecretAsync(new RemoteRef("db", "pass"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("first");
        _t.Azure.Assertions.Single().Header["x5t"]!.GetValue<string>().Should().Be(FakeAzure.X5t(_registered));
    }

    [Fact]
    public async Task ClientCertificate_NotRegisteredForTheClient_PermissionDeniedWithoutKeyMaterial()
    {
        var pem = TestPki.CertificateAndKeyPem(_other);
        _t.PutCertificateCredentials(pem);
        var client = await _t.ConnectAsync(AzureStoreTestContext.CertificateBlock());

        var read = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain(AzureStoreTestContext.Client).And.Contain("AADSTS700027");
        _t.Azure.AssertionRefusals.Should().ContainSingle().Which.Should().Contain("x5t names no certificate");
        (error.ToString() + _t.Logs.AllText).Should().NotContain(KeyLine(pem)).And.NotContain(_t.Azure.TokenForms.Single()["client_assertion"]);
        _t.Azure.VaultReads.Should().BeEmpty();
    }

    [Fact]
    public async Task ClientCertificate_RegisteredCertificateWithAnotherKey_InvalidConfigurationBeforeAnyTokenRequest()
    {
        using var otherKey = _other.GetRSAPrivateKey()!;
        var pem = _registered.ExportCertificatePem() + "\n" + otherKey.ExportPkcs8PrivateKeyPem();
        _t.PutCertificateCredentials(pem);

        var connect = () => _t.ConnectAsync(AzureStoreTestContext.CertificateBlock());

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("belongs to none of its certificates").And.NotContain(KeyLine(pem));
        _t.Azure.TokenForms.Should().BeEmpty();
    }

    [Theory]
    [InlineData("garbage", "no PEM CERTIFICATE block")]
    [InlineData("cert-only", "no PEM PRIVATE KEY")]
    [InlineData("key-only", "no PEM CERTIFICATE block")]
    [InlineData("encrypted", "encrypted")]
    [InlineData("ec", "EC key")]
    [InlineData("pkcs8-ec", "not an RSA private key")]
    [InlineData("csr", "CERTIFICATE REQUEST block")]
    [InlineData("broken-cert", "not an X.509 certificate")]
    public async Task ClientCertificate_BadPem_InvalidConfigurationNamingTheReferenceNotThePem(string kind, string reason)
    {
        var pem = BadPem(kind);
        _t.PutCertificateCredentials(pem);
        var store = StoreTestContext.SecretStore(AzureStoreTestContext.Ns, "azurekv", AzureStoreTestContext.CertificateBlock());

        var connect = () => _t.Stores.ConnectAsync(store, CancellationToken.None);
        var validation = await _t.Stores.ValidateAsync(store, CancellationToken.None);

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("authSecretRef.clientCertificate").And.Contain("azure-cert").And.Contain(reason);
        validation.Result.Should().Be(StoreValidationResult.Error);
        validation.Error.Should().Contain(reason);
        foreach (var line in pem.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            (error.ToString() + validation.Error + _t.Logs.AllText).Should().NotContain(line);
        }

        _t.Azure.TokenForms.Should().BeEmpty();
    }

    [Theory]
    [InlineData(true, true, "exactly one of clientSecret and clientCertificate")]
    [InlineData(false, false, "needs clientSecret or clientCertificate")]
    public async Task ServicePrincipal_SecretAndCertificateBothOrNeither_InvalidConfiguration(bool secret, bool certificate, string message)
    {
        var block = AzureStoreTestContext.CertificateBlock();
        var refs = block["authSecretRef"]!.AsObject();
        if (secret)
        {
            refs["clientSecret"] = new JsonObject { ["name"] = "azure-sp", ["key"] = "client-secret" };
        }

        if (!certificate)
        {
            refs.Remove("clientCertificate");
        }

        var connect = () => _t.ConnectAsync(block);

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("spec.provider.azurekv.authSecretRef").And.Contain(message);
    }

    [Fact]
    public async Task ClientCertificate_TwoKeysForOneClient_TwoIdentities_NoTokenShared()
    {
        _t.Azure.RegisterCertificate(AzureStoreTestContext.Client, _other);
        _t.PutCertificateCredentials(TestPki.CertificateAndKeyPem(_registered));
        var rotated = AzureStoreTestContext.CertificateSecret(TestPki.CertificateAndKeyPem(_other));
        rotated["metadata"]!["name"] = "azure-cert-next";
        _t.Kube.Put("", "secrets", AzureStoreTestContext.Ns, rotated);
        var nextBlock = AzureStoreTestContext.CertificateBlock();
        nextBlock["authSecretRef"]!["clientCertificate"]!["name"] = "azure-cert-next";
        var first = await _t.ConnectAsync(AzureStoreTestContext.CertificateBlock());
        var again = await _t.ConnectAsync(AzureStoreTestContext.CertificateBlock());
        var next = await _t.ConnectAsync(nextBlock);

        _ = await first.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);
        _ = await again.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);
        _ = await next.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        again.Identity.Should().Be(first.Identity);
        next.Identity.Should().NotBe(first.Identity);
        _t.Azure.Assertions.Select(a => a.Header["x5t"]!.GetValue<string>()).Should().Equal(
            FakeAzure.X5t(_registered),
            FakeAzure.X5t(_other));
    }

    /// <summary>A line from the middle of the PEM's private key: what must never be shown.</summary>
    private static string KeyLine(string pem)
    {
        var lines = pem.Split('\n');
        var begin = Array.FindIndex(lines, l => l.Contains("PRIVATE KEY-----", StringComparison.Ordinal));
        return lines[begin + 2];
    }

    private string BadPem(string kind)
    {
        using var rsa = _registered.GetRSAPrivateKey()!;
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return kind switch
        {
            "garbage" => "this is not a certificate but it is long enough to be a line of key material",
            "cert-only" => _registered.ExportCertificatePem(),
            "key-only" => rsa.ExportPkcs8PrivateKeyPem(),
            "encrypted" => _registered.ExportCertificatePem() + "\n" + rsa.ExportEncryptedPkcs8PrivateKeyPem("pw".AsSpan(), new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)),
            "ec" => _registered.ExportCertificatePem() + "\n" + ec.ExportECPrivateKeyPem(),
            "pkcs8-ec" => _registered.ExportCertificatePem() + "\n" + ec.ExportPkcs8PrivateKeyPem(),
            "csr" => new CertificateRequest("CN=x", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem() + "\n" + rsa.ExportPkcs8PrivateKeyPem(),
            "broken-cert" => PemEncoding.WriteString("CERTIFICATE", [0x30, 0x03, 0x02, 0x01, 0x01]) + "\n" + rsa.ExportPkcs8PrivateKeyPem(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
