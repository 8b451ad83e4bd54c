using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

public sealed class AzureContentTests : IAsyncLifetime
{
    private FakeAzure _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.FederatedClients[WorkloadClient] = PodToken;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private async Task<ProviderResult> Fetch(string objects, Func<CsiDriver.Providers.Azure.AzureProviderOptions, CsiDriver.Providers.Azure.AzureProviderOptions>? tweak = null)
    {
        using var provider = Provider(_fake, tweak: tweak);
        return await provider.FetchAsync(Request(WorkloadParameters(objects)), CancellationToken.None);
    }

    private async Task<SecretStoreException> FetchFails(string objects, Func<CsiDriver.Providers.Azure.AzureProviderOptions, CsiDriver.Providers.Azure.AzureProviderOptions>? tweak = null)
    {
        using var provider = Provider(_fake, tweak: tweak);
        var act = () => provider.FetchAsync(Request(WorkloadParameters(objects)), CancellationToken.None);
        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.ShouldBeClean(_fake);
        return ex;
    }

    [Theory]
    [InlineData("base64", "aGVsbG8gd29ybGQ=", "hello world")]
    [InlineData("hex", "68656c6c6f", "hello")]
    [InlineData("utf-8", "plain", "plain")]
    [InlineData("BASE64", "aGk=", "hi")]
    public async Task Fetch_ObjectEncoding_DecodedBeforeWriting(string encoding, string stored, string expected)
    {
        _fake.AddSecret("enc", stored);

        var result = await Fetch(Objects($"objectName: enc\nobjectType: secret\nobjectEncoding: {encoding}"));

        result.Text("enc").Should().Be(expected);
    }

    [Fact]
    public async Task Fetch_ObjectEncodingValueInvalid_ErrorWithoutTheValue()
    {
        _fake.AddSecret("enc", "not*base64*value-xyz");

        var ex = await FetchFails(Objects("objectName: enc\nobjectType: secret\nobjectEncoding: base64"));

        ex.Message.Should().Contain("failed to get objectType:secret, objectName:enc").And.Contain("not valid base64");
        ex.ShouldBeClean(_fake, "not*base64*value-xyz");
    }

    [Fact]
    public async Task Fetch_AliasVersionAndPermission_FileNamedByAliasWithModeAndPinnedVersion()
    {
        var v1 = _fake.AddSecret("pw", "one");
        _fake.AddSecret("pw", "two");

        var result = await Fetch(Objects($"objectName: pw\nobjectType: secret\nobjectAlias: sub/password.txt\nobjectVersion: {v1}\nfilePermission: \"0400\""));

        var file = result.Files.Single();
        file.Path.Should().Be("sub/password.txt");
        file.Mode.Should().Be((UnixFileMode)Convert.ToInt32("400", 8));
        result.Text("sub/password.txt").Should().Be("one");
        result.Versions.Single().Should().Be(new ObjectVersion("secret/pw", v1));
    }

    [Fact]
    public async Task Fetch_Pkcs12CertificateSecret_PemWithPkcs8KeyFirstThenLeafIntermediateRoot()
    {
        var root = TestPki.CreateCa("root ca", ECDsa.Create(ECCurve.NamedCurves.nistP384));
        var intermediate = TestPki.CreateIntermediate(root, "intermediate ca");
        var leaf = TestPki.CreateLeaf(intermediate, "app.example.com", rsa: true);
        using var rootPublic = X509CertificateLoader.LoadCertificate(root.RawData);
        using var intermediatePublic = X509CertificateLoader.LoadCertificate(intermediate.RawData);
        var version = _fake.AddSecret("web-tls", TestPki.PfxBase64(rootPublic, leaf, intermediatePublic), "application/x-pkcs12", certificateBacked: true);

        var result = await Fetch(Objects("objectName: web-tls\nobjectType: secret\nobjectAlias: tls.pem"));

        var pem = result.Text("tls.pem");
        var labels = Blocks(pem).Select(b => b.Label).ToList();
        labels.Should().Equal("PRIVATE KEY", "CERTIFICATE", "CERTIFICATE", "CERTIFICATE");
        var certs = Blocks(pem).Where(b => b.Label == "CERTIFICATE").Select(b => X509CertificateLoader.LoadCertificate(b.Der)).ToList();
        certs.Select(c => c.Subject).Should().Equal("CN=app.example.com", "CN=intermediate ca", "CN=root ca");
        using var key = RSA.Create();
        key.ImportPkcs8PrivateKey(Blocks(pem)[0].Der, out _);
        key.ExportSubjectPublicKeyInfo().Should().Equal(leaf.GetRSAPublicKey()!.ExportSubjectPublicKeyInfo());
        result.Versions.Single().Should().Be(new ObjectVersion("secret/web-tls", version));
    }

    [Fact]
    public async Task Fetch_Pkcs12WithoutChainConstruction_OriginalOrderKept()
    {
        var root = TestPki.CreateCa("root ca");
        var leaf = TestPki.CreateLeaf(root, "svc");
        using var rootPublic = X509CertificateLoader.LoadCertificate(root.RawData);
        _fake.AddSecret("t", TestPki.PfxBase64(rootPublic, leaf), "application/x-pkcs12", certificateBacked: true);

        var result = await Fetch(Objects("objectName: t\nobjectType: secret"), o => o with { ConstructPemChain = false });

        Blocks(result.Text("t")).Where(b => b.Label == "CERTIFICATE").Select(b => X509CertificateLoader.LoadCertificate(b.Der).Subject)
            .Should().Equal("CN=root ca", "CN=svc");
    }

    [Fact]
    public async Task Fetch_Pkcs12AsPfx_Base64PassthroughAndBinaryWithBase64Encoding()
    {
        var root = TestPki.CreateCa("root ca");
        var leaf = TestPki.CreateLeaf(root, "svc");
        var pfx = TestPki.PfxBase64(leaf);
        _fake.AddSecret("p", pfx, "application/x-pkcs12", certificateBacked: true);

        var result = await Fetch(Objects(
            "objectName: p\nobjectType: secret\nobjectFormat: pfx\nobjectAlias: p.b64",
            "objectName: p\nobjectType: secret\nobjectFormat: PFX\nobjectEncoding: base64\nobjectAlias: p.pfx"));

        result.Text("p.b64").Should().Be(pfx);
        var binary = result.Files.Single(f => f.Path == "p.pfx").Contents.ToArray();
        using var loaded = X509CertificateLoader.LoadPkcs12(binary, null);
        loaded.Subject.Should().Be("CN=svc");
        loaded.HasPrivateKey.Should().BeTrue();
    }

    [Fact]
    public async Task Fetch_PemCertificateSecret_WrittenAsIs_AndSeparateFilesWhenConfigured()
    {
        var root = TestPki.CreateCa("root ca");
        var leaf = TestPki.CreateLeaf(root, "svc");
        var pemValue = new string(PemEncoding.Write("PRIVATE KEY", leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKey())) + "\n" + leaf.ExportCertificatePem() + "\n";
        var version = _fake.AddSecret("pem", pemValue, "application/x-pem-file", certificateBacked: true);

        var result = await Fetch(Objects("objectName: pem\nobjectType: secret"), o => o with { WriteCertAndKeyInSeparateFiles = true });

        result.Text("pem").Should().Be(pemValue);
        Blocks(result.Text("pem.crt")).Select(b => b.Label).Should().Equal("CERTIFICATE");
        Blocks(result.Text("pem.key")).Select(b => b.Label).Should().Equal("PRIVATE KEY");
        result.Versions.Should().Equal(new ObjectVersion("secret/pem", version));
    }

    [Fact]
    public async Task Fetch_CertificateSecretUnknownContentType_UpstreamError()
    {
        _fake.AddSecret("odd", "whatever", "text/plain", certificateBacked: true);

        var ex = await FetchFails(Objects("objectName: odd\nobjectType: secret"));

        ex.Message.Should().Contain("failed to get certificate. unknown content type 'text/plain'");
    }

    [Fact]
    public async Task Fetch_PlainSecretWithPkcs12ContentTypeButNoKid_WrittenAsIs()
    {
        _fake.AddSecret("raw", "Zm9v", "application/x-pkcs12");

        (await Fetch(Objects("objectName: raw\nobjectType: secret"))).Text("raw").Should().Be("Zm9v");
    }

    [Fact]
    public async Task Fetch_RsaAndEcKeys_PkixPublicKeyPem()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        var rsaVersion = _fake.AddKey("rsa", new JsonObject { ["kty"] = "RSA-HSM", ["key_ops"] = new JsonArray("sign", "verify"), ["n"] = B64Url(p.Modulus!), ["e"] = B64Url(p.Exponent!) });
        var ecs = new Dictionary<string, ECDsa>
        {
            ["P-256"] = ECDsa.Create(ECCurve.NamedCurves.nistP256),
            ["P-384"] = ECDsa.Create(ECCurve.NamedCurves.nistP384),
            ["P-521"] = ECDsa.Create(ECCurve.NamedCurves.nistP521),
        };
        foreach (var (crv, ec) in ecs)
        {
            var q = ec.ExportParameters(false).Q;
            _fake.AddKey("ec" + crv[2..], new JsonObject { ["kty"] = "EC", ["crv"] = crv, ["x"] = B64Url(q.X!), ["y"] = B64Url(q.Y!) });
        }

        var result = await Fetch(Objects(
            "objectName: rsa\nobjectType: key",
            "objectName: ec256\nobjectType: key",
            "objectName: ec384\nobjectType: key",
            "objectName: ec521\nobjectType: key"));

        result.Text("rsa").Should().Be(rsa.ExportSubjectPublicKeyInfoPem() + "\n");
        foreach (var (crv, ec) in ecs)
        {
            result.Text("ec" + crv[2..]).Should().Be(ec.ExportSubjectPublicKeyInfoPem() + "\n");
        }

        result.Versions.Should().Contain(new ObjectVersion("key/rsa", rsaVersion));
    }

    [Theory]
    [InlineData("oct", null, "failed to get key. key type 'oct' currently not supported")]
    [InlineData("EC", "P-256K", "curve P-256K is not supported")]
    public async Task Fetch_UnsupportedKey_UpstreamError(string kty, string? crv, string expected)
    {
        _fake.AddKey("k", new JsonObject { ["kty"] = kty, ["crv"] = crv, ["x"] = "AQ", ["y"] = "AQ" });

        var ex = await FetchFails(Objects("objectName: k\nobjectType: key"));

        ex.Message.Should().Contain("failed to get objectType:key, objectName:k, objectVersion:").And.Contain(expected);
    }

    [Fact]
    public async Task Fetch_Certificate_LeafPemOnly()
    {
        var root = TestPki.CreateCa("root ca");
        var leaf = TestPki.CreateLeaf(root, "svc");
        var version = _fake.AddCertificate("c", leaf);

        var result = await Fetch(Objects("objectName: c\nobjectType: cert"));

        result.Text("c").Should().Be(leaf.ExportCertificatePem() + "\n");
        result.Versions.Single().Should().Be(new ObjectVersion("cert/c", version));
    }

    [Fact]
    public async Task Fetch_VersionHistory_NewestFirstAcrossPagesSkippingDisabled()
    {
        var versions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            versions.Add(_fake.AddSecret("rot", $"value-{i}", enabled: i != 3));
        }

        var result = await Fetch(Objects("objectName: rot\nobjectType: secret\nobjectAlias: db\nobjectVersionHistory: 2"));

        // Upstream's loop stops after taking more than objectVersionHistory entries: 3 files here.
        result.Files.Select(f => f.Path).Should().Equal("db/0", "db/1", "db/2");
        result.Text("db/0").Should().Be("value-4");
        result.Text("db/1").Should().Be("value-2");
        result.Text("db/2").Should().Be("value-1");
        result.Versions.Should().Equal(
            new ObjectVersion("secret/rot/0", versions[4]),
            new ObjectVersion("secret/rot/1", versions[2]),
            new ObjectVersion("secret/rot/2", versions[1]));
        _fake.VaultRequests.Should().Contain(r => r.PathAndQuery.Contains("$skiptoken=2") && r.Authorized);
    }

    [Fact]
    public async Task Fetch_VersionHistoryFromPinnedVersion_StartsThere()
    {
        var versions = Enumerable.Range(0, 4).Select(i => _fake.AddKey("k", Rsa())).ToList();

        var result = await Fetch(Objects($"objectName: k\nobjectType: key\nobjectVersion: {versions[1]}\nobjectVersionHistory: 5"));

        result.Files.Select(f => f.Path).Should().Equal("k/0", "k/1");
        result.Versions.Select(v => v.Version).Should().Equal(versions[1], versions[0]);
    }

    [Fact]
    public async Task Fetch_VersionHistoryUnknownVersion_NotFound()
    {
        _fake.AddSecret("s", "1");

        var ex = await FetchFails(Objects("objectName: s\nobjectType: secret\nobjectVersion: deadbeef\nobjectVersionHistory: 3"));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("objectVersion is not among the object's enabled versions");
    }

    [Theory]
    [InlineData("missing", FailureKind.NotFound, "RESPONSE 404: 404 Not Found, ERROR CODE: SecretNotFound")]
    [InlineData("denied", FailureKind.PermissionDenied, "RESPONSE 403: 403 Forbidden, ERROR CODE: Forbidden (ForbiddenByRbac)")]
    [InlineData("broken", FailureKind.Unavailable, "RESPONSE 502")]
    public async Task Fetch_KeyVaultErrors_UpstreamShapedMessageAndKind(string name, FailureKind kind, string expected)
    {
        var ex = await FetchFails(Objects($"objectName: {name}\nobjectType: secret"));

        ex.Kind.Should().Be(kind);
        ex.Message.Should().Contain($"failed to mount objects, error: failed to get objectType:secret, objectName:{name}, objectVersion:: {expected}");
        ex.Message.Should().NotContain("Caller is not authorized", "backend message text is not passed on");
    }

    [Fact]
    public async Task Fetch_KeyAndCertNotFound_TheirOwnCodes()
    {
        (await FetchFails(Objects("objectName: nokey\nobjectType: key"))).Message.Should().Contain("ERROR CODE: KeyNotFound");
        (await FetchFails(Objects("objectName: nocert\nobjectType: cert"))).Message.Should().Contain("ERROR CODE: CertificateNotFound");
    }

    [Fact]
    public async Task Fetch_WrongApiVersion_BadParameterFromVault()
    {
        _fake.AddSecret("a", "1");

        var ex = await FetchFails(Objects("objectName: a\nobjectType: secret"), o => o with { ApiVersion = "2099-01-01" });

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("RESPONSE 400").And.Contain("BadParameter");
    }

    [Fact]
    public async Task Fetch_VaultHangs_TimeoutNamingTheHost()
    {
        var ex = await FetchFails(Objects("objectName: hang\nobjectType: secret"), o => o with { RequestTimeout = TimeSpan.FromSeconds(1) });

        ex.Kind.Should().Be(FailureKind.Timeout);
        ex.Message.Should().Contain("did not answer within 1s");
    }

    [Fact]
    public async Task Fetch_SecretOverLimit_TooLarge()
    {
        _fake.AddSecret("big", new string('x', 5000));

        var ex = await FetchFails(Objects("objectName: big\nobjectType: secret"), o => o with { MaxObjectBytes = 1000 });

        ex.Kind.Should().Be(FailureKind.TooLarge);
    }

    [Fact]
    public async Task Fetch_OneObjectFails_NothingReturned()
    {
        _fake.AddSecret("good", "1");

        var ex = await FetchFails(Objects("objectName: good\nobjectType: secret", "objectName: gone\nobjectType: secret"));

        ex.Kind.Should().Be(FailureKind.NotFound);
    }

    private static JsonObject Rsa()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        return new JsonObject { ["kty"] = "RSA", ["n"] = B64Url(p.Modulus!), ["e"] = B64Url(p.Exponent!) };
    }

    private static string B64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static List<(string Label, byte[] Der)> Blocks(string pem)
    {
        var list = new List<(string, byte[])>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            list.Add((rest[fields.Label].ToString(), Convert.FromBase64String(rest[fields.Base64Data].ToString())));
            rest = rest[fields.Location.End..];
        }

        return list;
    }
}
