using System.Text.Json;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>Reads through the provider against the loopback Vault: KV shapes, extraction, encodings, versions, errors.</summary>
public sealed class VaultProviderReadTests : IAsyncLifetime
{
    private VaultTestContext _vault = null!;

    public async Task InitializeAsync()
    {
        _vault = await VaultTestContext.StartAsync();
        _vault.Server.PutKv2("app/db", new() { ["password"] = "s3cr3t-v1", ["port"] = 5432, ["opts"] = new Dictionary<string, object?> { ["b"] = "<x>", ["a"] = true } });
        _vault.Server.PutKv1("legacy", new() { ["api-key"] = "kv1-value", ["blob"] = "aGVsbG8=", ["hexed"] = "6869" });
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task Fetch_KvV2SecretKey_WritesValueAndMetadataVersion()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("""
            - objectName: db-password
              secretPath: secret/data/app/db
              secretKey: password
            """)));

        result.Text("db-password").Should().Be("s3cr3t-v1");
        result.Version("db-password").Should().Be("1");
        result.Files.Single().Mode.Should().BeNull();
    }

    [Fact]
    public async Task Fetch_KvV2RotatedAtSource_VersionAndContentFollow()
    {
        var parameters = _vault.Parameters("""
            - objectName: db-password
              secretPath: secret/data/app/db
              secretKey: password
            """);
        var first = await _vault.FetchAsync(_vault.Request(parameters));
        _vault.Server.PutKv2("app/db", new() { ["password"] = "s3cr3t-v2" });
        var second = await _vault.FetchAsync(_vault.Request(parameters, currentVersions: first.Versions));

        first.Version("db-password").Should().Be("1");
        second.Version("db-password").Should().Be("2");
        second.Text("db-password").Should().Be("s3cr3t-v2");
    }

    [Fact]
    public async Task Fetch_KvV2VersionQuery_ReadsPinnedVersionAsQuery()
    {
        _vault.Server.PutKv2("app/db", new() { ["password"] = "s3cr3t-v2" });
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("""
            - objectName: pinned
              secretPath: secret/data/app/db?version=1
              secretKey: password
            """)));

        result.Text("pinned").Should().Be("s3cr3t-v1");
        result.Version("pinned").Should().Be("1");
        _vault.Server.Requests.Should().Contain("GET /v1/secret/data/app/db?version=1");
    }

    [Theory]
    [InlineData("secret/data/app/db")]
    [InlineData("/secret/data/app/db")]
    [InlineData("v1/secret/data/app/db")]
    [InlineData("/v1/secret/data/app/db")]
    public async Task Fetch_SecretPathForms_AllNormaliseToV1Path(string secretPath)
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters($"""
            - objectName: p
              secretPath: {secretPath}
              secretKey: password
            """)));

        result.Text("p").Should().Be("s3cr3t-v1");
        _vault.Server.Requests.Should().Contain("GET /v1/secret/data/app/db");
    }

    [Fact]
    public async Task Fetch_KvV1SecretKey_WritesValueWithKeyedContentVersion()
    {
        var parameters = _vault.Parameters("""
            - objectName: api-key
              secretPath: kv/legacy
              secretKey: api-key
            """);
        var first = await _vault.FetchAsync(_vault.Request(parameters));
        var again = await _vault.FetchAsync(_vault.Request(parameters));
        _vault.Server.PutKv1("legacy", new() { ["api-key"] = "kv1-rotated" });
        var rotated = await _vault.FetchAsync(_vault.Request(parameters));

        first.Text("api-key").Should().Be("kv1-value");
        first.Version("api-key").Should().StartWith("hmac-sha256:").And.NotContain("kv1-value");
        again.Version("api-key").Should().Be(first.Version("api-key"));
        rotated.Version("api-key").Should().NotBe(first.Version("api-key"));
    }

    [Fact]
    public async Task Fetch_NoSecretKey_WritesWholeResponseAsCompactGoJson()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("""
            - objectName: whole.json
              secretPath: secret/data/app/db
            """)));

        var text = result.Text("whole.json");
        text.Should().StartWith("{\"request_id\":\"").And.NotContain("\n").And.NotContain(": ");
        text.Should().MatchRegex("^\\{\"request_id\":\"[^\"]+\",\"lease_id\":\"\",\"lease_duration\":0,\"renewable\":false,\"data\":\\{\"data\":");
        text.Should().Contain("\"warnings\":null").And.EndWith(",\"mount_type\":\"kv\"}");
        text.Should().Contain("\"opts\":{\"a\":true,\"b\":\"\\u003cx\\u003e\"}");
        using var parsed = JsonDocument.Parse(text);
        parsed.RootElement.GetProperty("data").GetProperty("data").GetProperty("password").GetString().Should().Be("s3cr3t-v1");
    }

    [Fact]
    public async Task Fetch_NonStringValues_AreReSerialisedCompactly()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("""
            - objectName: port
              secretPath: secret/data/app/db
              secretKey: port
            - objectName: opts
              secretPath: secret/data/app/db
              secretKey: opts
            """)));

        result.Text("port").Should().Be("5432");
        result.Text("opts").Should().Be("{\"a\":true,\"b\":\"\\u003cx\\u003e\"}");
        _vault.Server.Requests.Count(r => r == "GET /v1/secret/data/app/db").Should().Be(1, "identical reads within one request are shared");
    }

    [Fact]
    public async Task Fetch_Encodings_DecodeTheExtractedValue()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("""
            - objectName: from-base64
              secretPath: kv/legacy
              secretKey: blob
              encoding: BASE64
            - objectName: from-hex
              secretPath: kv/legacy
              secretKey: hexed
              encoding: hex
            - objectName: plain
              secretPath: kv/legacy
              secretKey: blob
              encoding: utf-8
            """)));

        result.Text("from-base64").Should().Be("hello");
        result.Text("from-hex").Should().Be("hi");
        result.Text("plain").Should().Be("aGVsbG8=");
    }

    [Fact]
    public async Task Fetch_ValueNotInDeclaredEncoding_FailsWithoutQuotingIt()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters("""
            - objectName: bad
              secretPath: kv/legacy
              secretKey: api-key
              encoding: base64
            """)));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("\"bad\"").And.Contain("not valid base64").And.NotContain("kv1-value");
    }

    [Fact]
    public async Task Fetch_FilePermission_IsYamlOctalInteger()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("""
            - objectName: a
              secretPath: kv/legacy
              secretKey: api-key
              filePermission: 0600
            - objectName: b
              secretPath: kv/legacy
              secretKey: api-key
              filePermission: 420
            - objectName: c
              secretPath: kv/legacy
              secretKey: api-key
            """)));

        result.Files.Single(f => f.Path == "a").Mode.Should().Be((UnixFileMode)Convert.ToInt32("600", 8));
        result.Files.Single(f => f.Path == "b").Mode.Should().Be((UnixFileMode)Convert.ToInt32("644", 8));
        result.Files.Single(f => f.Path == "c").Mode.Should().BeNull();
    }

    [Fact]
    public async Task Fetch_PkiIssueWithPutAndSecretArgs_SendsTypedJsonBody()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("""
            - objectName: tls.crt
              secretPath: pki/issue/web
              method: PUT
              secretKey: certificate
              secretArgs:
                common_name: web.example.com
                ttl: 24h
                exclude_cn_from_sans: true
                max_path_length: 0x10
                alt_names: [a.example.com, b.example.com]
            - objectName: tls.key
              secretPath: pki/issue/web
              method: put
              secretKey: private_key
              secretArgs: {common_name: web.example.com, ttl: 24h, exclude_cn_from_sans: true, max_path_length: 16, alt_names: [a.example.com, b.example.com]}
            """)));

        result.Text("tls.crt").Should().Contain("CN=web.example.com");
        result.Text("tls.key").Should().Contain("PRIVATE KEY");
        _vault.Server.Requests.Count(r => r == "PUT /v1/pki/issue/web").Should().Be(1, "the same path, method and arguments are one call");
        var body = JsonDocument.Parse(_vault.Server.Bodies.Single(b => b.Contains("common_name", StringComparison.Ordinal))).RootElement;
        body.GetProperty("exclude_cn_from_sans").ValueKind.Should().Be(JsonValueKind.True);
        body.GetProperty("max_path_length").GetInt32().Should().Be(16);
        body.GetProperty("ttl").GetString().Should().Be("24h");
        body.GetProperty("alt_names").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public async Task Fetch_MissingKey_IsNotFoundNamingKeyAndPath()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters("""
            - objectName: x
              secretPath: secret/data/app/db
              secretKey: nope
            """)));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("key \"nope\" does not exist at the secret path \"secret/data/app/db\"").And.NotContain("s3cr3t");
    }

    [Fact]
    public async Task Fetch_MissingSecret_Is404NotFound()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters("""
            - objectName: x
              secretPath: secret/data/does/not/exist
              secretKey: password
            """)));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("couldn't read secret \"x\"").And.Contain("Code: 404");
    }

    [Fact]
    public async Task Fetch_UnknownRoute_SurfacesVaultErrors()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters("""
            - objectName: x
              secretPath: nomount/thing
            """)));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("no handler for route");
    }

    [Fact]
    public async Task Fetch_SealedVault_IsUnavailableWithVaultsError()
    {
        _vault.Server.PutKv2("x", new() { ["k"] = "v" });
        await _vault.FetchAsync(_vault.Request(_vault.Parameters("- {objectName: x, secretPath: secret/data/x, secretKey: k}")));
        _vault.Server.Sealed = true;

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters("- {objectName: x, secretPath: secret/data/x, secretKey: k}")));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("Code: 503").And.Contain("Vault is sealed");
    }

    [Fact]
    public async Task Fetch_HangingVault_IsCutOffByTheCallersCancellation()
    {
        _vault.Server.HangPrefix = "/v1/secret/";
        using var cancel = new CancellationTokenSource();
        var fetch = _vault.FetchAsync(_vault.Request(_vault.Parameters("- {objectName: x, secretPath: secret/data/app/db, secretKey: password}")), cancel.Token);
        await Infrastructure.Eventually.TrueAsync(() => _vault.Server.Requests.Contains("GET /v1/secret/data/app/db"), because: "the read reached Vault");
        cancel.Cancel();

        await FluentActions.Awaiting(() => fetch).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Fetch_HangingVault_TimesOutAfterRequestTimeout()
    {
        await using var vault = await VaultTestContext.StartAsync(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        vault.Server.HangPrefix = "/v1/secret/";

        var ex = await vault.FailsAsync(vault.Request(vault.Parameters("- {objectName: x, secretPath: secret/data/app/db, secretKey: password}")));

        ex.Kind.Should().Be(FailureKind.Timeout);
        ex.Message.Should().Contain("no answer within");
    }

    [Fact]
    public async Task Fetch_UnreachableVault_IsUnavailable()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters("- {objectName: x, secretPath: secret/data/app/db}", ("vaultAddress", "http://127.0.0.1:1"))));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("cannot reach Vault");
    }

    [Fact]
    public async Task Fetch_OversizedResponse_IsTooLarge()
    {
        await using var vault = await VaultTestContext.StartAsync(o => o.MaxResponseBytes = 2048);
        vault.Server.PutKv2("big", new() { ["k"] = new string('x', 10_000) });

        var ex = await vault.FailsAsync(vault.Request(vault.Parameters("- {objectName: x, secretPath: secret/data/big, secretKey: k}")));

        ex.Kind.Should().Be(FailureKind.TooLarge);
    }

    [Fact]
    public async Task Fetch_DefaultAddressFromOptions_WhenClassSetsNone()
    {
        await using var vault = await VaultTestContext.StartAsync();
        vault.Options.DefaultAddress = vault.Server.Address.ToString();
        vault.Server.PutKv1("k", new() { ["v"] = "ok" });

        var result = await vault.FetchAsync(vault.Request(vault.Parameters("- {objectName: x, secretPath: kv/k, secretKey: v}", ("vaultAddress", null))));

        result.Text("x").Should().Be("ok");
    }
}
