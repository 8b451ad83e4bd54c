using CsiDriver.Providers;
using CsiDriver.Providers.Vault;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>
/// What a rotation pass costs at Vault, at the provider: volumes share logins and GET/LIST reads per identity
/// through the pass's <see cref="FetchScope"/>, pinned KV v2 versions a volume already has cost nothing, leases
/// and writes stay per volume, and every HTTP call shows in the backend-calls metric.
/// </summary>
public sealed class VaultRotationCostTests : IAsyncLifetime
{
    private VaultTestContext _vault = null!;

    public async Task InitializeAsync()
    {
        _vault = await VaultTestContext.StartAsync();
        _vault.Server.Roles["kubernetes/app"] = new VaultRole("vault", "default", "sa-a,sa-b");
        for (var i = 0; i < 4; i++)
        {
            _vault.Server.PutKv2($"s{i}", new() { ["v"] = $"value-{i}" });
        }

        _vault.Server.PutKv1("legacy", new() { ["api-key"] = "legacy-key" });
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task Pass_VolumesOfTwoIdentities_OneReadPerIdentityAndObjectForKvV1AndV2()
    {
        var first = _vault.Parameters(Kv("s0", "s1", "s2") + "\n- {objectName: legacy, secretPath: kv/legacy, secretKey: api-key}");
        var second = _vault.Parameters(Kv("s1", "s2", "s3") + "\n- {objectName: legacy, secretPath: kv/legacy, secretKey: api-key}");
        var volumes = new List<Volume>();
        for (var i = 0; i < 10; i++)
        {
            var sa = i < 6 ? "sa-a" : "sa-b";
            var parameters = i % 2 == 0 && i < 6 ? first : second;
            volumes.Add(await PublishAsync(parameters, sa, $"vol-{i}", className: parameters == first ? "first" : "second"));
        }

        var readsBefore = _vault.BackendCalls("read");
        _vault.Server.SecretCalls.Clear();

        var results = await PassAsync(volumes);

        results.Should().HaveCount(10).And.AllSatisfy(r => r.Files.Should().HaveCount(4));
        // sa-a reads s0..s3 and legacy, sa-b reads s1..s3 and legacy: nine distinct (identity, object) pairs.
        _vault.Server.SecretCalls.Should().HaveCount(9);
        foreach (var name in new[] { "s0", "s1", "s2", "s3" })
        {
            _vault.Server.Calls("default/sa-a", $"GET /v1/secret/data/{name}").Should().Be(1);
        }

        _vault.Server.Calls("default/sa-b", "GET /v1/secret/data/s0").Should().Be(0);
        _vault.Server.Calls("default/sa-b", "GET /v1/secret/data/s3").Should().Be(1);
        _vault.Server.Calls("default/sa-a", "GET /v1/kv/legacy").Should().Be(1);
        _vault.Server.Calls("default/sa-b", "GET /v1/kv/legacy").Should().Be(1);
        _vault.BackendCalls("read").Should().Be(readsBefore + 9);
        _vault.BackendCalls("login").Should().Be(2, "one login per identity, at the first publish; the pass reuses the tokens");
    }

    [Fact]
    public async Task Pass_ColdTokenCache_OneLoginPerIdentity()
    {
        var parameters = _vault.Parameters(Kv("s0"));
        var volumes = new List<Volume>();
        for (var i = 0; i < 6; i++)
        {
            volumes.Add(await PublishAsync(parameters, i < 4 ? "sa-a" : "sa-b", $"vol-{i}"));
        }

        // Past the token TTL (20 min): every volume needs a new token in the pass.
        _vault.Clock.Advance(TimeSpan.FromMinutes(30));
        var loginsBefore = _vault.Server.LoginCount;

        await PassAsync(volumes);

        (_vault.Server.LoginCount - loginsBefore).Should().Be(2);
        _vault.BackendCalls("login").Should().Be(_vault.Server.LoginCount);
    }

    [Fact]
    public async Task Pass_CachedTokenRefused_OneReloginForEveryVolumeOfTheIdentity()
    {
        var volumes = new List<Volume>();
        for (var i = 0; i < 4; i++)
        {
            // Each volume reads its own object, so each meets the refused token on its own read.
            volumes.Add(await PublishAsync(_vault.Parameters(Kv($"s{i}")), "sa-a", $"vol-{i}"));
        }

        _vault.Server.RevokeAllTokens();
        var loginsBefore = _vault.Server.LoginCount;

        var results = await PassAsync(volumes);

        results.Select((r, i) => r.Text($"s{i}")).Should().Equal("value-0", "value-1", "value-2", "value-3");
        (_vault.Server.LoginCount - loginsBefore).Should().Be(1);
    }

    [Fact]
    public async Task Pass_OtherIdentityDeniedTheObject_IsNeverServedAnotherIdentitysRead()
    {
        _vault.Server.Roles["kubernetes/restricted"] = new VaultRole("vault", "default", "sa-b") { DeniedPrefixes = ["/v1/secret/data/s1"] };
        var allowed = await PublishAsync(_vault.Parameters(Kv("s1")), "sa-a", "vol-a", className: "allowed");
        var denied = new Volume(_vault.Parameters(Kv("s1"), ("roleName", "restricted")), "sa-b", Target("vol-b"), [], "denied");

        using var scope = new FetchScope();
        var ok = _vault.FetchAsync(Request(allowed, scope));
        var refused = await Assert.ThrowsAsync<SecretStoreException>(() => _vault.FetchAsync(Request(denied, scope)));

        (await ok).Text("s1").Should().Be("value-1");
        refused.Kind.Should().Be(FailureKind.PermissionDenied);
        refused.Message.Should().Contain("default/denied").And.Contain("permission denied").And.NotContain("value-1");
        _vault.Server.Calls("default/sa-b", "GET /v1/secret/data/s1").Should().Be(1, "sa-b asked Vault itself");
    }

    [Fact]
    public async Task Pass_DifferentAudiencesOfOneServiceAccount_AreDifferentIdentities()
    {
        _vault.Server.Roles["kubernetes/app"] = new VaultRole("vault", "default", "sa-a");
        var good = await PublishAsync(_vault.Parameters(Kv("s0")), "sa-a", "vol-good");
        var wrongAudience = new Volume(_vault.Parameters(Kv("s0"), ("audience", "other")), "sa-a", Target("vol-other"), [], "other-audience")
        {
            Tokens = new Dictionary<string, string> { ["other"] = TestJwt.For("other", "default", "sa-a") },
        };

        using var scope = new FetchScope();
        (await _vault.FetchAsync(Request(good, scope))).Text("s0").Should().Be("value-0");
        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => _vault.FetchAsync(Request(wrongAudience, scope)));

        ex.Message.Should().Contain("default/other-audience").And.Contain("failed to login");
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
    }

    [Fact]
    public async Task Pass_SharedReadFails_EveryVolumeFailsNamingItsOwnClassAndNoSecret()
    {
        var volumes = new List<Volume>();
        for (var i = 0; i < 3; i++)
        {
            volumes.Add(await PublishAsync(_vault.Parameters(Kv("s0", "s2")), "sa-a", $"vol-{i}", className: $"class-{i}"));
        }

        _vault.Server.FailingPrefixes["/v1/secret/data/s2"] = (500, "internal error");
        _vault.Server.SecretCalls.Clear();
        using var scope = new FetchScope();

        var failures = await Task.WhenAll(volumes.Select(v => Assert.ThrowsAsync<SecretStoreException>(() => _vault.FetchAsync(Request(v, scope)))));

        _vault.Server.Calls("GET /v1/secret/data/s2").Should().Be(1);
        for (var i = 0; i < 3; i++)
        {
            failures[i].Kind.Should().Be(FailureKind.Unavailable);
            failures[i].Message.Should().Contain($"default/class-{i}").And.Contain("\"s2\"").And.Contain("internal error");
            failures[i].Message.Should().NotContain("value-").And.NotContain("hvs.").And.NotContain(TestJwt.For("vault", "default", "sa-a"));
            foreach (var other in Enumerable.Range(0, 3).Where(o => o != i))
            {
                failures[i].Message.Should().NotContain($"class-{other}");
            }
        }
    }

    [Fact]
    public async Task Pass_SharedLoginFails_EveryVolumeFailsNamingItsOwnClassAfterOneLogin()
    {
        var volumes = Enumerable.Range(0, 3)
            .Select(i => new Volume(_vault.Parameters(Kv("s0"), ("roleName", "missing")), "sa-a", Target($"vol-{i}"), [], $"class-{i}"))
            .ToList();
        using var scope = new FetchScope();

        var failures = await Task.WhenAll(volumes.Select(v => Assert.ThrowsAsync<SecretStoreException>(() => _vault.FetchAsync(Request(v, scope)))));

        _vault.Server.LoginCount.Should().Be(1);
        for (var i = 0; i < 3; i++)
        {
            failures[i].Message.Should().Contain($"default/class-{i}").And.Contain("invalid role name").And.NotContain("eyJ");
            failures[i].Reason.Should().Be("VaultLoginFailed");
        }
    }

    [Fact]
    public async Task Pass_PinnedVersionTheVolumeHas_ServedFromMemoryWithNoCallAtAll()
    {
        _vault.Server.PutKv2("s0", new() { ["v"] = "value-0-second" });
        var volume = await PublishAsync(_vault.Parameters(Kv("s0?version=1")), "sa-a", "vol-1");
        volume.Versions.Should().ContainSingle().Which.Version.Should().Be("1");
        // Past the token TTL: a call would need a login first.
        _vault.Clock.Advance(TimeSpan.FromMinutes(30));
        var requestsBefore = _vault.Server.Requests.Count;
        var callsBefore = AllCalls();

        var results = await PassAsync([volume]);

        results.Single().Text("s0").Should().Be("value-0");
        results.Single().Version("s0").Should().Be("1");
        _vault.Server.Requests.Count.Should().Be(requestsBefore, "Vault saw nothing: no login, no read");
        AllCalls().Should().Be(callsBefore);
    }

    [Fact]
    public async Task NewPublish_PinnedVersionAnotherVolumeHas_StillReadsFromVault()
    {
        var parameters = _vault.Parameters(Kv("s0?version=1"));
        await PublishAsync(parameters, "sa-a", "vol-1");
        _vault.Server.SecretCalls.Clear();

        // A new volume, in a pass and out of one: no current versions, so Vault authorises the read.
        using var scope = new FetchScope();
        await _vault.FetchAsync(Request(new Volume(parameters, "sa-a", Target("vol-2"), [], "app-secrets"), scope));
        await _vault.FetchAsync(Request(new Volume(parameters, "sa-a", Target("vol-3"), [], "app-secrets"), scope: null));

        _vault.Server.Calls("default/sa-a", "GET /v1/secret/data/s0?version=1").Should().Be(2);
    }

    [Fact]
    public async Task Pass_PinnedVersionOnlyAnotherIdentityRead_IsReadFromVault()
    {
        var parameters = _vault.Parameters(Kv("s0?version=1"));
        var a = await PublishAsync(parameters, "sa-a", "vol-a");
        _vault.Server.SecretCalls.Clear();

        // vol-b's state says it has version 1 (as after a driver restart), but sa-b never read it in this process.
        var b = new Volume(parameters, "sa-b", Target("vol-b"), a.Versions, "app-secrets");
        await PassAsync([a, b]);

        _vault.Server.Calls("default/sa-a", "GET /v1/secret/data/s0").Should().Be(0, "sa-a read version 1 at its publish");
        _vault.Server.Calls("default/sa-b", "GET /v1/secret/data/s0?version=1").Should().Be(1);
        await PassAsync([a, b]);
        _vault.Server.SecretCalls.Should().HaveCount(1, "from now on sa-b has read it too");
    }

    [Fact]
    public async Task Pass_PinnedVersionChangedInClass_ReadsTheNewVersion()
    {
        _vault.Server.PutKv2("s0", new() { ["v"] = "value-0-second" });
        var volume = await PublishAsync(_vault.Parameters("- {objectName: s0, secretPath: \"secret/data/s0?version=1\", secretKey: v}"), "sa-a", "vol-1");
        _vault.Server.SecretCalls.Clear();

        var results = await PassAsync([volume with { Parameters = _vault.Parameters("- {objectName: s0, secretPath: \"secret/data/s0?version=2\", secretKey: v}") }]);

        results.Single().Text("s0").Should().Be("value-0-second");
        _vault.Server.Calls("GET /v1/secret/data/s0?version=2").Should().Be(1);
    }

    [Fact]
    public async Task Pass_PinnedObjectAddedToClass_IsReadFromVaultForThatVolume()
    {
        var volume = await PublishAsync(_vault.Parameters(Kv("s0?version=1")), "sa-a", "vol-1");
        var other = await PublishAsync(_vault.Parameters("- {objectName: copy, secretPath: \"secret/data/s0?version=1\", secretKey: v}"), "sa-a", "vol-2");
        _vault.Server.SecretCalls.Clear();

        // vol-1's class now also names "copy" from the same request: vol-1 never had "copy", so Vault is asked.
        var grown = volume with { Parameters = _vault.Parameters(Kv("s0?version=1") + "\n- {objectName: copy, secretPath: \"secret/data/s0?version=1\", secretKey: v}") };
        var results = await PassAsync([grown, other]);

        results[0].Text("copy").Should().Be("value-0");
        _vault.Server.Calls("GET /v1/secret/data/s0?version=1").Should().Be(1, "vol-1 reads once; vol-2 has its version and is served from memory");
    }

    [Fact]
    public async Task Pass_VersionInSecretArgs_IsNoPinAndIsReadEveryPass()
    {
        _vault.Server.PutKv2("s0", new() { ["v"] = "value-0-second" });
        var parameters = _vault.Parameters("- {objectName: s0, secretPath: secret/data/s0, secretKey: v, secretArgs: {version: 1}}");
        var volume = await PublishAsync(parameters, "sa-a", "vol-1");
        volume.Versions.Single().Version.Should().Be("2", "Vault ignores a GET body: secretArgs do not pin");
        _vault.Server.SecretCalls.Clear();

        await PassAsync([volume]);
        await PassAsync([volume]);

        _vault.Server.Calls("GET /v1/secret/data/s0").Should().Be(2);
    }

    [Fact]
    public async Task Pass_UnpinnedKv_IsReadEachPassAndFollowsRotation()
    {
        var volume = await PublishAsync(_vault.Parameters(Kv("s0")), "sa-a", "vol-1");
        _vault.Server.PutKv2("s0", new() { ["v"] = "value-0-second" });
        _vault.Server.SecretCalls.Clear();

        var result = (await PassAsync([volume])).Single();

        result.Text("s0").Should().Be("value-0-second");
        result.Version("s0").Should().Be("2");
        _vault.Server.Calls("GET /v1/secret/data/s0").Should().Be(1, "one read per pass; a metadata call would cost the same");
    }

    [Fact]
    public async Task Pass_DynamicSecrets_AreNeverSharedAcrossVolumes()
    {
        var parameters = _vault.Parameters("""
            - {objectName: db-username, secretPath: database/creds/app, secretKey: username}
            - {objectName: db-password, secretPath: database/creds/app, secretKey: password}
            """);
        var volumes = Enumerable.Range(0, 3).Select(i => new Volume(parameters, "sa-a", Target($"vol-{i}"), [], "db")).ToList();

        // First pass with no leases held: each volume gets its own credentials, even though the read is a GET.
        var first = await PassAsync(volumes);

        _vault.Server.MintCount.Should().Be(3);
        first.Select(r => r.Text("db-password")).Should().OnlyHaveUniqueItems();
        first.Should().AllSatisfy(r => r.Text("db-username").Should().Be($"v-app-{r.Text("db-password").Split('-')[1]}", "username and password of one volume come from one lease"));

        // Next pass: each volume reuses its own lease; no call.
        var callsBefore = AllCalls();
        var second = await PassAsync(volumes.Select((v, i) => v with { Versions = first[i].Versions }).ToList());

        _vault.Server.MintCount.Should().Be(3);
        AllCalls().Should().Be(callsBefore);
        second.Select(r => r.Text("db-password")).Should().Equal(first.Select(r => r.Text("db-password")));
    }

    [Fact]
    public async Task Pass_PkiIssue_IsNeverShared()
    {
        var parameters = _vault.Parameters("- {objectName: cert, secretPath: pki/issue/app, method: PUT, secretKey: certificate, secretArgs: {common_name: app.example.com}}");
        var volumes = Enumerable.Range(0, 2).Select(i => new Volume(parameters, "sa-a", Target($"vol-{i}"), [], "pki")).ToList();

        await PassAsync(volumes);

        _vault.Server.MintCount.Should().Be(2);
        _vault.BackendCalls("write").Should().Be(2);
    }

    [Fact]
    public async Task Metric_CountsEveryCallByType()
    {
        var parameters = _vault.Parameters("""
            - {objectName: db-password, secretPath: database/creds/app, secretKey: password}
            - {objectName: s0, secretPath: secret/data/s0, secretKey: v}
            """);
        var volume = await PublishAsync(parameters, "sa-a", "vol-1");
        _vault.Clock.Advance(TimeSpan.FromMinutes(45)); // past two thirds of the lease: renew (and a new login)
        await PassAsync([volume]);
        await _vault.Provider.OnVolumeRemovedAsync(volume.Target, CancellationToken.None);

        _vault.BackendCalls("login").Should().Be(2);
        _vault.BackendCalls("read").Should().Be(3, "mint + KV at publish, KV in the pass");
        _vault.BackendCalls("renew").Should().Be(1);
        _vault.BackendCalls("revoke").Should().Be(1);
        AllCalls().Should().Be(_vault.Server.Requests.Count, "every HTTP request is counted");
    }

    [Theory]
    [InlineData("GET", "secret/data/app?version=3", "3")]
    [InlineData("GET", "/v1/secret/data/app?version=03", "3")]
    [InlineData("GET", "secret/data/app?x=1&version=7", "7")]
    [InlineData("GET", "secret/data/app?version=0", null)]
    [InlineData("GET", "secret/data/app?version=-1", null)]
    [InlineData("GET", "secret/data/app?version=abc", null)]
    [InlineData("GET", "secret/data/app?version=", null)]
    [InlineData("GET", "secret/data/app?version=99999999999", null)]
    [InlineData("GET", "secret/data/app?version=1&version=2", null)]
    [InlineData("GET", "secret/data/app?versions=1", null)]
    [InlineData("GET", "secret/data/app", null)]
    [InlineData("POST", "secret/data/app?version=3", null)]
    [InlineData("LIST", "secret/metadata/app?version=3", null)]
    public void PinnedVersion_OnlyOneNumericVersionQueryOnAGetPins(string method, string secretPath, string? expected)
    {
        new VaultRequestKey(secretPath, method, ArgsJson: null).PinnedVersion.Should().Be(expected);
    }

    private static string Kv(params string[] names) =>
        string.Join('\n', names.Select(n => $"- {{objectName: \"{n.Split('?')[0]}\", secretPath: \"secret/data/{n}\", secretKey: v}}"));

    private static string Target(string volume) => $"/var/lib/kubelet/pods/{volume}/volumes/kubernetes.io~csi/secrets/mount";

    private long AllCalls() => new[] { "login", "read", "list", "write", "renew", "revoke" }.Sum(_vault.BackendCalls);

    /// <summary>A kubelet publish (no pass): reads from Vault and returns the volume as state would hold it.</summary>
    private async Task<Volume> PublishAsync(Dictionary<string, string> parameters, string serviceAccount, string volume, string className = "app-secrets")
    {
        var fresh = new Volume(parameters, serviceAccount, Target(volume), [], className);
        var result = await _vault.FetchAsync(Request(fresh, scope: null));
        return fresh with { Versions = result.Versions };
    }

    /// <summary>One rotation pass over <paramref name="volumes"/>: all at once, sharing one scope.</summary>
    private async Task<ProviderResult[]> PassAsync(IReadOnlyList<Volume> volumes)
    {
        using var scope = new FetchScope();
        return await Task.WhenAll(volumes.Select(v => _vault.FetchAsync(Request(v, scope))));
    }

    private ProviderRequest Request(Volume volume, IFetchScope? scope) =>
        _vault.Request(
            volume.Parameters,
            tokens: volume.Tokens ?? new Dictionary<string, string> { ["vault"] = TestJwt.For("vault", "default", volume.ServiceAccount) },
            targetPath: volume.Target,
            currentVersions: volume.Versions,
            serviceAccount: volume.ServiceAccount,
            className: volume.ClassName,
            scope: scope);

    private sealed record Volume(Dictionary<string, string> Parameters, string ServiceAccount, string Target, IReadOnlyList<ObjectVersion> Versions, string ClassName)
    {
        public IDictionary<string, string>? Tokens { get; init; }
    }
}
