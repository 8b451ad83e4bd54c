using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>Leased (dynamic) secrets: reused per volume, renewed, re-issued only when needed, revoked at removal.</summary>
public sealed class VaultDynamicSecretTests : IAsyncLifetime
{
    private const string Objects = """
        - objectName: db-username
          secretPath: database/creds/app
          secretKey: username
        - objectName: db-password
          secretPath: database/creds/app
          secretKey: password
        """;

    private const string TargetA = "/var/lib/kubelet/pods/a/volumes/kubernetes.io~csi/db/mount";
    private const string TargetB = "/var/lib/kubelet/pods/b/volumes/kubernetes.io~csi/db/mount";

    private VaultTestContext _vault = null!;

    public async Task InitializeAsync()
    {
        _vault = await VaultTestContext.StartAsync();
        _vault.Server.Roles["kubernetes/app"] = _vault.Server.Roles["kubernetes/app"] with { TokenTtl = TimeSpan.FromHours(48) };
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    private Task<CsiDriver.Providers.ProviderResult> Fetch(string target = TargetA, IReadOnlyList<CsiDriver.Providers.ObjectVersion>? current = null) =>
        _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects), targetPath: target, currentVersions: current));

    [Fact]
    public async Task Dynamic_OneFetch_UsernameAndPasswordFromOneCredential()
    {
        var result = await Fetch();

        _vault.Server.MintCount.Should().Be(1);
        result.Text("db-username").Should().StartWith("v-app-1");
        result.Text("db-password").Should().StartWith("pw-1-");
    }

    [Fact]
    public async Task Dynamic_SecondFetchForSameVolume_ReusesLeaseWithoutMinting()
    {
        var first = await Fetch();
        _vault.Clock.Advance(TimeSpan.FromMinutes(10));

        var second = await Fetch(current: first.Versions);

        _vault.Server.MintCount.Should().Be(1);
        _vault.Server.RenewCount.Should().Be(0);
        second.Text("db-password").Should().Be(first.Text("db-password"));
        second.Versions.Should().BeEquivalentTo(first.Versions);
    }

    [Fact]
    public async Task Dynamic_PastTwoThirdsOfTtl_RenewsInsteadOfMinting()
    {
        var first = await Fetch();
        _vault.Clock.Advance(TimeSpan.FromMinutes(41));

        var second = await Fetch(current: first.Versions);
        _vault.Clock.Advance(TimeSpan.FromMinutes(30));
        var third = await Fetch(current: second.Versions);

        _vault.Server.MintCount.Should().Be(1);
        _vault.Server.RenewCount.Should().Be(1, "the renewal at 41 min bought a fresh hour, so 30 min later it is still young");
        third.Text("db-password").Should().Be(first.Text("db-password"));
        _vault.Server.Bodies.Should().Contain(b => b.Contains("\"increment\":3600", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dynamic_MaxTtlReached_IssuesNewCredentials()
    {
        _vault.Server.DatabaseLeaseMaxTtl = TimeSpan.FromMinutes(90);
        var first = await Fetch();
        _vault.Clock.Advance(TimeSpan.FromMinutes(41)); // renew: granted 49 min (capped by max TTL)
        await Fetch(current: first.Versions);
        _vault.Clock.Advance(TimeSpan.FromMinutes(34)); // 15 min left of 49: renew grants only 15 min, below a third of the hour

        var third = await Fetch(current: first.Versions);

        _vault.Server.RenewCount.Should().Be(2);
        _vault.Server.MintCount.Should().Be(2);
        third.Text("db-password").Should().NotBe(first.Text("db-password"));
        third.Version("db-password").Should().NotBe(first.Version("db-password"));
    }

    [Fact]
    public async Task Dynamic_RenewalRefused_IssuesNewCredentials()
    {
        var first = await Fetch();
        _vault.Server.DropAllLeases();
        _vault.Clock.Advance(TimeSpan.FromMinutes(45));

        var second = await Fetch(current: first.Versions);

        _vault.Server.RenewCount.Should().Be(1);
        _vault.Server.MintCount.Should().Be(2);
        second.Text("db-password").Should().NotBe(first.Text("db-password"));
    }

    [Fact]
    public async Task Dynamic_Expired_IssuesNewCredentialsWithoutRenewing()
    {
        await Fetch();
        _vault.Clock.Advance(TimeSpan.FromMinutes(61));

        await Fetch();

        _vault.Server.RenewCount.Should().Be(0);
        _vault.Server.MintCount.Should().Be(2);
    }

    [Fact]
    public async Task Dynamic_OtherVolume_GetsItsOwnCredentials()
    {
        var a = await Fetch(TargetA);
        var b = await Fetch(TargetB);

        _vault.Server.MintCount.Should().Be(2);
        b.Text("db-username").Should().NotBe(a.Text("db-username"));
    }

    [Fact]
    public async Task Dynamic_VolumeRemoved_RevokesItsLeaseOnly()
    {
        await Fetch(TargetA);
        await Fetch(TargetB);

        await _vault.Provider.OnVolumeRemovedAsync(TargetA, CancellationToken.None);

        _vault.Server.RevokeCount.Should().Be(1);
        _vault.Server.LiveLeases.Should().ContainSingle();
        await Fetch(TargetB);
        _vault.Server.MintCount.Should().Be(2, "volume B keeps its lease");
        await Fetch(TargetA);
        _vault.Server.MintCount.Should().Be(3, "a re-published volume A gets new credentials");
    }

    [Fact]
    public async Task Dynamic_RevokeFails_DoesNotThrow()
    {
        await Fetch(TargetA);
        _vault.Server.Sealed = true;

        await _vault.Provider.OnVolumeRemovedAsync(TargetA, CancellationToken.None);

        _vault.Server.Sealed = false;
        (await Fetch(TargetA)).Should().NotBeNull();
        _vault.Server.MintCount.Should().Be(2, "the failed revocation still forgot the lease");
    }

    [Fact]
    public async Task Dynamic_KvSecrets_AreNeverLeaseCached()
    {
        _vault.Server.PutKv2("x", new() { ["k"] = "v1" });
        var parameters = _vault.Parameters("- {objectName: x, secretPath: secret/data/x, secretKey: k}");
        await _vault.FetchAsync(_vault.Request(parameters));
        _vault.Server.PutKv2("x", new() { ["k"] = "v2" });

        var second = await _vault.FetchAsync(_vault.Request(parameters));

        second.Text("x").Should().Be("v2");
        await _vault.Provider.OnVolumeRemovedAsync(_vault.Request(parameters).TargetPath, CancellationToken.None);
        _vault.Server.RevokeCount.Should().Be(0, "no lease was kept for the volume");
    }

    [Fact]
    public async Task Dynamic_FailedMintForOneObject_FailsWholeFetch()
    {
        _vault.Server.Roles["kubernetes/app"] = _vault.Server.Roles["kubernetes/app"] with { DeniedPrefixes = ["/v1/kv/"] };

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects + "\n- {objectName: other, secretPath: kv/other, secretKey: k}")));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("\"other\"").And.NotContain("pw-1-");
    }
}
