using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>Authentication as the pod: login, audiences, mounts, namespaces, the token cache and re-login.</summary>
public sealed class VaultProviderAuthTests : IAsyncLifetime
{
    private const string Objects = "- {objectName: pw, secretPath: secret/data/app/db, secretKey: password}";
    private VaultTestContext _vault = null!;

    public async Task InitializeAsync()
    {
        _vault = await VaultTestContext.StartAsync();
        _vault.Server.PutKv2("app/db", new() { ["password"] = "s3cr3t" });
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task Login_DefaultMountAndAudience_PostsJwtAndRoleThenSendsToken()
    {
        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));

        result.Text("pw").Should().Be("s3cr3t");
        _vault.Server.Requests.Should().StartWith("POST /v1/auth/kubernetes/login");
        _vault.Server.Bodies.First().Should().Contain("\"role\":\"app\"").And.Contain(_vault.PodJwt);
    }

    [Theory]
    [InlineData("vaultAuthMountPath")]
    [InlineData("vaultKubernetesMountPath")]
    public async Task Login_CustomMountAndAudience_UsesTokenForThatAudience(string mountKey)
    {
        _vault.Server.Roles["jwt-prod/app"] = new VaultRole("https://vault.example.com", "default", "app-sa");
        var tokens = new Dictionary<string, string>
        {
            ["vault"] = TestJwt.For("vault"),
            ["https://vault.example.com"] = TestJwt.For("https://vault.example.com"),
        };

        var result = await _vault.FetchAsync(_vault.Request(
            _vault.Parameters(Objects, (mountKey, "jwt-prod"), ("audience", "https://vault.example.com")), tokens));

        result.Text("pw").Should().Be("s3cr3t");
        _vault.Server.Requests.Should().StartWith("POST /v1/auth/jwt-prod/login");
    }

    [Fact]
    public async Task Login_NoTokenForAudience_FailsWithTokenRequestsHintAndNeverLogsIn()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects, ("audience", "vault-prod"))));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("audience \"vault-prod\"").And.Contain("tokenRequests").And.Contain("tokens passed for: vault");
        _vault.Server.LoginCount.Should().Be(0, "the driver never falls back to its own identity");
    }

    [Fact]
    public async Task Login_JwtForOtherAudience_IsPermissionDenied()
    {
        var wrong = TestJwt.For("sts.amazonaws.com");

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects), new Dictionary<string, string> { ["vault"] = wrong }));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("failed to login").And.Contain("permission denied").And.NotContain(wrong);
    }

    [Fact]
    public async Task Login_ServiceAccountNotBoundToRole_IsPermissionDenied()
    {
        var otherSa = TestJwt.For("vault", "default", "intruder");

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects), new Dictionary<string, string> { ["vault"] = otherSa }, serviceAccount: "intruder"));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("default/intruder").And.NotContain(otherSa);
    }

    [Fact]
    public async Task Login_UnknownRole_SurfacesVaultsError()
    {
        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects, ("roleName", "ghost"))));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("invalid role name \"ghost\"").And.Contain("role \"ghost\"");
    }

    [Fact]
    public async Task TokenCache_RepeatedFetches_LogInOnce()
    {
        for (var i = 0; i < 3; i++)
        {
            await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));
            _vault.Clock.Advance(TimeSpan.FromMinutes(5));
        }

        _vault.Server.LoginCount.Should().Be(1);
    }

    [Fact]
    public async Task TokenCache_OtherServiceAccount_LogsInSeparately()
    {
        _vault.Server.Roles["kubernetes/other"] = new VaultRole("vault", "team-b", "worker");
        await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));

        await _vault.FetchAsync(_vault.Request(
            _vault.Parameters(Objects, ("roleName", "other")),
            new Dictionary<string, string> { ["vault"] = TestJwt.For("vault", "team-b", "worker") },
            podNamespace: "team-b",
            serviceAccount: "worker"));

        _vault.Server.LoginCount.Should().Be(2);
    }

    [Fact]
    public async Task TokenCache_NearTokenTtl_LogsInAgainBeforeVaultExpiresIt()
    {
        await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));
        _vault.Clock.Advance(TimeSpan.FromMinutes(19.5)); // TTL 20 min: inside the refresh margin, still valid at Vault

        await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));

        _vault.Server.LoginCount.Should().Be(2);
        _vault.Server.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal)).Should().Be(2);
    }

    [Fact]
    public async Task TokenCache_TokenExpiredAtVault_LogsInAgainOnceAndRetries()
    {
        await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));
        _vault.Server.RevokeAllTokens();

        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));

        result.Text("pw").Should().Be("s3cr3t");
        _vault.Server.LoginCount.Should().Be(2);
    }

    [Fact]
    public async Task FreshToken_Denied_FailsWithoutLoginLoop()
    {
        _vault.Server.Roles["kubernetes/app"] = _vault.Server.Roles["kubernetes/app"] with { DeniedPrefixes = ["/v1/secret/"] };

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects)));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("Code: 403").And.Contain("permission denied");
        _vault.Server.LoginCount.Should().Be(1);
    }

    [Fact]
    public async Task CachedToken_DeniedAgainAfterRelogin_FailsAfterOneRetry()
    {
        await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects)));
        _vault.Server.Roles["kubernetes/app"] = _vault.Server.Roles["kubernetes/app"] with { DeniedPrefixes = ["/v1/secret/"] };

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects)));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        _vault.Server.LoginCount.Should().Be(2);
    }

    [Fact]
    public async Task Namespace_SentAsHeaderOnLoginAndReads()
    {
        _vault.Server.Namespace = "team-a";

        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects, ("vaultNamespace", "team-a"))));

        result.Text("pw").Should().Be("s3cr3t");
    }

    [Fact]
    public async Task Namespace_Missing_IsNotFoundFromVault()
    {
        _vault.Server.Namespace = "team-a";

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects)));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("failed to login").And.Contain("route entry not found");
    }

    [Fact]
    public async Task Namespace_DefaultFromOptions_WhenClassSetsNone()
    {
        await using var vault = await VaultTestContext.StartAsync(o => o.DefaultNamespace = "team-a");
        vault.Server.Namespace = "team-a";
        vault.Server.PutKv1("k", new() { ["v"] = "ok" });

        var result = await vault.FetchAsync(vault.Request(vault.Parameters("- {objectName: x, secretPath: kv/k, secretKey: v}")));

        result.Text("x").Should().Be("ok");
    }

    [Fact]
    public async Task NodePublishSecretRef_VaultToken_IsUsedWithoutLogin()
    {
        var token = _vault.Server.IssueToken();

        var result = await _vault.FetchAsync(_vault.Request(
            _vault.Parameters(Objects),
            tokens: new Dictionary<string, string>(),
            secrets: new Dictionary<string, string> { ["vaultToken"] = token }));

        result.Text("pw").Should().Be("s3cr3t");
        _vault.Server.LoginCount.Should().Be(0);
    }

    [Fact]
    public async Task NodePublishSecretRef_RejectedToken_IsPermissionDeniedWithoutTheToken()
    {
        var ex = await _vault.FailsAsync(_vault.Request(
            _vault.Parameters(Objects),
            secrets: new Dictionary<string, string> { ["vaultToken"] = "hvs.not-a-real-token-0123456789" }));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().NotContain("not-a-real-token");
        _vault.Server.LoginCount.Should().Be(0);
    }
}
