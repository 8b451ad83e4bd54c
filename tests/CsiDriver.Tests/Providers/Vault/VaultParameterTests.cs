using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>Malformed and hostile class parameters fail before any Vault call, naming the class and the problem.</summary>
public sealed class VaultParameterTests : IAsyncLifetime
{
    private const string Good = "- {objectName: x, secretPath: kv/k, secretKey: v}";
    private VaultTestContext _vault = null!;

    public async Task InitializeAsync()
    {
        _vault = await VaultTestContext.StartAsync();
        _vault.Server.PutKv1("k", new() { ["v"] = "value" });
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    public static TheoryData<string, string, string?, string> BadClassParameters => new()
    {
        { Good, "roleName", null, "missing 'roleName' in SecretProviderClass definition" },
        { Good, "roleName", "  ", "missing 'roleName'" },
        { Good, "vaultSkipTLSVerify", "yes", "vaultSkipTLSVerify 'yes' is not a boolean" },
        { Good, "vaultAddress", "vault.vault:8200", "is not an http(s) URL" },
        { Good, "vaultAddress", "ftp://vault", "is not an http(s) URL" },
        { Good, "vaultAddress", "https://user:hunter2@vault:8200", "(not shown: it carries credentials)" },
        { Good, "vaultAuthMountPath", "../sys", "is not a valid Vault mount path" },
        { Good, "vaultTLSClientCertPath", "/etc/cert.pem", "must be set together" },
        { Good, "objects", null, "no secrets configured - the provider will not read any secret material" },
        { Good, "objects", "[]", "no secrets configured" },
        { Good, "objects", "objectName: x", "must be a YAML list" },
        { Good, "objects", "- [unclosed", "not valid YAML" },
        { Good, "objects", "- just-a-string", "objects[0] is not a mapping" },
        { Good, "objects", "- {secretPath: kv/k}", "objects[0] has no objectName" },
        { Good, "objects", "- {objectName: x}", "object \"x\" has no secretPath" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k}\n- {objectName: x, secretPath: kv/j}", "each objectName must be unique; duplicated: \"x\"" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k, encoding: rot13}", "invalid encoding type. Should be utf-8, base64, or hex" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k, method: DELETE}", "has method 'DELETE'" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k, filePermission: \"0600\"}", "write it unquoted" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k, filePermission: 01777}", "only permission bits" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k, filePermission: rw}", "not an integer" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k, secretArgs: [a]}", "secretArgs must be a mapping" },
        { Good, "objects", "- {objectName: x, secretPath: kv/k, secretKey: [a]}", "secretKey must be a string" },
        { Good, "objects", "- {objectName: ../escape, secretPath: kv/k}", "objectName is not a valid file name" },
        { Good, "objects", "- {objectName: /etc/passwd, secretPath: kv/k}", "is absolute" },
        { Good, "objects", "- {objectName: ..data, secretPath: kv/k}", "reserved for the writer" },
        { Good, "objects", "- {objectName: x, secretPath: ../../sys/seal}", "'..' segment" },
    };

    [Theory]
    [MemberData(nameof(BadClassParameters))]
    public async Task Fetch_BadParameter_FailsWithClearMessage(string objects, string key, string? value, string expected)
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(objects, (key, value))));

        ex.Message.Should().Contain(expected);
        ex.Message.Should().NotContain("hunter2");
        _vault.Server.Requests.Where(r => !r.Contains("login", StringComparison.Ordinal)).Should().BeEmpty();
    }

    [Fact]
    public async Task Fetch_BothMountParameters_IsAnError()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Good, ("vaultKubernetesMountPath", "a"), ("vaultAuthMountPath", "b"))));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("cannot set both vaultKubernetesMountPath and vaultAuthMountPath");
        _vault.Server.LoginCount.Should().Be(0);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("t")]
    [InlineData("TRUE")]
    [InlineData("False")]
    [InlineData("0")]
    public async Task Fetch_SkipTlsVerifyGoBool_IsAccepted(string value)
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters(Good, ("vaultSkipTLSVerify", value))));

        result.Text("x").Should().Be("value");
    }

    [Fact]
    public async Task Fetch_FieldNamesAreCaseSensitive_UnknownFieldsIgnored()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters("- {ObjectName: x, secretPath: kv/k}")));
        ex.Message.Should().Contain("has no objectName");

        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("- {objectName: x, secretPath: kv/k, secretKey: v, objectAlias: ignored, somethingElse: 1}")));
        result.Files.Single().Path.Should().Be("x");
    }

    [Fact]
    public async Task Fetch_ObjectNameWithSubdirectory_IsKeptVerbatim()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters("- {objectName: config/app.key, secretPath: kv/k, secretKey: v}")));

        result.Files.Single().Path.Should().Be("config/app.key");
        result.Versions.Single().Id.Should().Be("config/app.key");
    }
}
