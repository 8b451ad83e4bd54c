using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Rotation;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>
/// Rotation passes of the real driver (CSI socket, registry, reconciler) over Vault volumes, against the loopback
/// Vault: what each pass costs at Vault, and what the backend-calls metric shows.
/// </summary>
public sealed class VaultRotationPassTests : IAsyncLifetime
{
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(2);
    private readonly ManualClock _vaultClock = new();
    private FakeVaultServer _vault = null!;
    private RotationDriver _driver = null!;

    public async Task InitializeAsync()
    {
        _vault = await FakeVaultServer.StartAsync(_vaultClock);
        _vault.Roles["kubernetes/app"] = new VaultRole("vault", "default", "sa-a,sa-b");
        for (var i = 0; i < 4; i++)
        {
            _vault.PutKv2($"s{i}", new() { ["v"] = $"value-{i}" });
        }

        _vault.PutKv1("legacy", new() { ["api-key"] = "legacy-key" });
        _driver = await RotationDriver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _driver.DisposeAsync();
        await _vault.DisposeAsync();
    }

    [Fact]
    public async Task Pass_VaultVolumesSharingObjectsAndIdentity_EachObjectReadOncePerIdentity()
    {
        const string Legacy = "\n- {objectName: legacy, secretPath: kv/legacy, secretKey: api-key}";
        WriteClass("first", Kv("s0", "s1", "s2") + Legacy);
        WriteClass("second", Kv("s1", "s2", "s3") + Legacy);
        for (var i = 0; i < 10; i++)
        {
            // Six pods as sa-a (both classes), four as sa-b (class "second" only); each pod has its own JWT.
            await PublishAsync($"vol-{i}", i % 2 == 0 && i < 6 ? "first" : "second", $"pod-{i}", i < 6 ? "sa-a" : "sa-b");
        }

        _vault.SecretCalls.Clear();
        var logins = _vault.LoginCount;
        var pass = await _driver.NextPassAsync(Poll);

        pass.Fetched.Should().Be(10);
        pass.Failed.Should().Be(0);
        // sa-a reads s0..s3 and legacy, sa-b reads s1..s3 and legacy: nine distinct (identity, object) pairs.
        _vault.SecretCalls.Should().HaveCount(9);
        foreach (var name in new[] { "s0", "s1", "s2", "s3" })
        {
            _vault.Calls("default/sa-a", $"GET /v1/secret/data/{name}").Should().Be(1);
        }

        _vault.Calls("default/sa-b", "GET /v1/secret/data/s0").Should().Be(0);
        _vault.Calls("default/sa-b", "GET /v1/secret/data/s3").Should().Be(1);
        _vault.Calls("default/sa-b", "GET /v1/kv/legacy").Should().Be(1);
        _vault.LoginCount.Should().Be(logins).And.Be(2, "one login per identity at the first publish; the pass reuses the tokens");
        var metrics = _driver.Metrics.Registry.Render();
        metrics.Should().Contain("csi_secrets_store_backend_calls_total{provider=\"vault\",call=\"read\"} " + (40 + 9), "publishes read 4 objects each, the pass 9");
        metrics.Should().Contain("csi_secrets_store_backend_calls_total{provider=\"vault\",call=\"login\"} 2");
    }

    [Fact]
    public async Task Pass_PinnedVersionTheVolumeHas_NoVaultCallWhileANewPublishStillReads()
    {
        _vault.PutKv2("s0", new() { ["v"] = "value-0-second" });
        WriteClass("pinned", "- {objectName: p, secretPath: \"secret/data/s0?version=1\", secretKey: v}");
        var first = await PublishAsync("vol-1", "pinned", "pod-1", "sa-a");
        _vault.SecretCalls.Clear();

        (await _driver.NextPassAsync(Poll)).Fetched.Should().Be(1);
        _vault.SecretCalls.Should().BeEmpty("the volume has version 1, which sa-a already read");

        var second = await PublishAsync("vol-2", "pinned", "pod-2", "sa-a");
        _vault.Calls("default/sa-a", "GET /v1/secret/data/s0?version=1").Should().Be(1, "a new publish is authorised by Vault, never by memory");

        (await _driver.NextPassAsync(Poll)).Fetched.Should().Be(2);
        _vault.SecretCalls.Should().HaveCount(1);
        Volume.Read(first, "p").Should().Be("value-0");
        Volume.Read(second, "p").Should().Be("value-0");
        _driver.Metrics.Registry.Render().Should().Contain("csi_secrets_store_backend_calls_total{provider=\"vault\",call=\"read\"} 2");
    }

    private static string Kv(params string[] names) =>
        string.Join('\n', names.Select(n => $"- {{objectName: {n}, secretPath: secret/data/{n}, secretKey: v}}"));

    private void WriteClass(string name, string objects) =>
        _driver.WriteClass(name, "vault", objects, extraParameters: $"roleName: app\nvaultAddress: \"{_vault.Address}\"");

    private Task<string> PublishAsync(string volumeId, string className, string podUid, string serviceAccount) =>
        _driver.PublishAsync(volumeId, className, podUid, serviceAccount: serviceAccount, tokensJson: _driver.Tokens(TestJwt.For("vault", "default", serviceAccount), TimeSpan.FromHours(1), "vault"));
}
