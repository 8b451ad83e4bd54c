using CsiDriver.Tests.Infrastructure;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// Rotation passes through the real driver against the loopback Key Vault: what one pass costs per
/// (identity, object), what pinned versions cost, and how a shared failure reaches each volume.
/// </summary>
public sealed class AzureRotationTests : IAsyncLifetime
{
    private const string ClientA = "aaaaaaaa-0000-0000-0000-00000000000a";
    private const string ClientB = "bbbbbbbb-0000-0000-0000-00000000000b";
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(2);
    private FakeAzure _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAzure.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Pass_VolumesSharingObjectsAndIdentity_EachObjectReadOncePerIdentity()
    {
        for (var i = 0; i < 4; i++)
        {
            _fake.AddSecret($"s{i}", $"value-{i}");
        }

        await using var driver = await AzureRotationDriver.StartAsync(_fake);
        driver.WriteClass("first", ClientA, Secret("s0"), Secret("s1"), Secret("s2"));
        driver.WriteClass("second", ClientA, Secret("s1"), Secret("s2"), Secret("s3"));
        driver.WriteClass("second-b", ClientB, Secret("s1"), Secret("s2"), Secret("s3"));
        var targets = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            // Six pods as sa-a with client A (both classes), four as sa-b with client B; each pod has its own token.
            var (sa, client, cls) = i < 6 ? ("sa-a", ClientA, i % 2 == 0 ? "first" : "second") : ("sa-b", ClientB, "second-b");
            var token = $"eyJ.{sa}-pod-{i}.sig";
            _fake.Federate(client, token);
            targets.Add(await driver.PublishAsync($"vol-{i}", cls, $"pod-{i}", sa, token));
        }

        var getsBefore = Calls(driver, "get_secret");
        Calls(driver, "token").Should().Be(2, "one token per (client, service account), not one per pod");
        _fake.AddSecret("s1", "value-1-rotated");
        var readsBefore = _fake.VaultReads.Count;

        var pass = await driver.NextPassAsync(Poll);

        pass.Fetched.Should().Be(10);
        pass.Failed.Should().Be(0);
        pass.Rotated.Should().Be(10, "every volume holds s1, which changed");
        targets.Should().AllSatisfy(t => Volume.Read(t, "s1").Should().Be("value-1-rotated"));
        var passReads = _fake.VaultReads.Skip(readsBefore).ToList();
        passReads.Should().HaveCount(7, "client A reads s0..s3 and client B s1..s3, each once");
        foreach (var name in new[] { "s0", "s1", "s2", "s3" })
        {
            passReads.Count(r => r.Identity == "aad:" + ClientA && r.Path == $"/secrets/{name}").Should().Be(1);
        }

        passReads.Should().NotContain(r => r.Identity == "aad:" + ClientB && r.Path == "/secrets/s0");
        passReads.Count(r => r.Identity == "aad:" + ClientB && r.Path == "/secrets/s3").Should().Be(1);
        Calls(driver, "get_secret").Should().Be(getsBefore + 7);
        Calls(driver, "token").Should().Be(2, "the tokens are still valid: no token call in the pass");
        driver.Metrics.Registry.Render().Should().Contain($"csi_secrets_store_backend_calls_total{{provider=\"azure\",call=\"get_secret\"}} {1 + 30 + 7}", "the challenge probe, three reads per publish, seven in the pass");
    }

    [Fact]
    public async Task Pass_PinnedVersionsTheVolumesHold_NoKeyVaultCallsWhileANewPublishStillReads()
    {
        var v1 = _fake.AddSecret("db", "pinned-value");
        _fake.AddSecret("db", "newer-value");
        _fake.AddSecret("plain", "unpinned");
        await using var driver = await AzureRotationDriver.StartAsync(_fake);
        driver.WriteClass("pinned", ClientA, Secret("db", version: v1), Secret("plain"));
        for (var i = 0; i < 3; i++)
        {
            _fake.Federate(ClientA, $"eyJ.pod-{i}.sig");
            await driver.PublishAsync($"vol-{i}", "pinned", $"pod-{i}", "sa-a", $"eyJ.pod-{i}.sig");
        }

        var readsBefore = _fake.VaultReads.Count;
        var tokensBefore = Calls(driver, "token");
        var pass = await driver.NextPassAsync(Poll);

        pass.Fetched.Should().Be(3);
        var passReads = _fake.VaultReads.Skip(readsBefore).ToList();
        passReads.Should().NotContain(r => r.Path.StartsWith("/secrets/db", StringComparison.Ordinal), "the pinned version is immutable and every volume holds it");
        passReads.Should().ContainSingle(r => r.Path == "/secrets/plain", "the unpinned object costs one GET per identity per pass");
        Calls(driver, "token").Should().Be(tokensBefore);

        // A new volume has never been authorised by Key Vault for this version: it reads, whatever memory holds.
        _fake.Federate(ClientA, "eyJ.pod-new.sig");
        var readsBeforeNew = _fake.VaultReads.Count;
        var target = await driver.PublishAsync("vol-new", "pinned", "pod-new", "sa-a", "eyJ.pod-new.sig");
        Volume.Read(target, "db").Should().Be("pinned-value");
        _fake.VaultReads.Skip(readsBeforeNew).Count(r => r.Path == $"/secrets/db/{v1}").Should().Be(1);
    }

    [Fact]
    public async Task Pass_OneIdentityDeniedASharedObject_OnlyItsVolumesFailNamingTheirClass()
    {
        _fake.AddSecret("shared", "shared-s3cr3t");
        await using var driver = await AzureRotationDriver.StartAsync(_fake);
        driver.WriteClass("team-a", ClientA, Secret("shared"));
        driver.WriteClass("team-b", ClientB, Secret("shared"));
        var targets = new Dictionary<string, string>();
        foreach (var (i, client, cls, sa) in new[] { (0, ClientA, "team-a", "sa-a"), (1, ClientA, "team-a", "sa-a"), (2, ClientB, "team-b", "sa-b"), (3, ClientB, "team-b", "sa-b") })
        {
            _fake.Federate(client, $"eyJ.pod-{i}.sig");
            targets[$"vol-{i}"] = await driver.PublishAsync($"vol-{i}", cls, $"pod-{i}", sa, $"eyJ.pod-{i}.sig");
        }

        _fake.Deny("aad:" + ClientB, "shared");
        var readsBefore = _fake.VaultReads.Count;
        var pass = await driver.NextPassAsync(Poll);

        pass.Fetched.Should().Be(4);
        pass.Failed.Should().Be(2, "client B's read is refused and client A's read is never handed to it");
        var passReads = _fake.VaultReads.Skip(readsBefore).ToList();
        passReads.Count(r => r.Identity == "aad:" + ClientA).Should().Be(1);
        passReads.Count(r => r.Identity == "aad:" + ClientB).Should().Be(1);
        targets.Values.Should().AllSatisfy(t => Volume.Read(t, "shared").Should().Be("shared-s3cr3t"), "a failed rotation keeps the files");
        var failures = driver.Logs.Lines.Where(l => l.Contains("ForbiddenByRbac", StringComparison.Ordinal)).ToList();
        failures.Should().HaveCount(2).And.AllSatisfy(l => l.Should().Contain("SecretProviderClass default/team-b").And.NotContain("team-a"));
        driver.Logs.AllText.Should().NotContain("shared-s3cr3t");
        foreach (var token in _fake.IssuedTokens)
        {
            driver.Logs.AllText.Should().NotContain(token);
        }
    }

    private static long Calls(AzureRotationDriver driver, string call) => driver.Metrics.Calls(call);

    private static string Secret(string name, string? version = null) =>
        $"objectName: {name}\nobjectType: secret" + (version is null ? string.Empty : $"\nobjectVersion: {version}");
}
