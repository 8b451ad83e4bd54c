using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Vault;

namespace CsiDriver.Tests.ExternalSecrets.Generators;

/// <summary>
/// The leases of <c>VaultDynamicSecret</c> credentials through the ExternalSecret reconciler, the loopback API server and
/// the loopback Vault (which checks lease ids and counts renewals and revocations), on a manual clock.
/// </summary>
public sealed class VaultDynamicSecretLeaseTests : IAsyncLifetime
{
    private const string GeneratorsGroup = "generators.external-secrets.io";
    private EsoTestContext _ctx = null!;
    private FakeVaultServer _vault = null!;

    public async Task InitializeAsync()
    {
        _vault = await FakeVaultServer.StartAsync(new ManualClock());
        _ctx = await EsoTestContext.StartAsync(services: (s, _) => s.AddExternalSecretStores());
        _ctx.Server.Allow(KubeTestContext.DriverUser, new FakeRule(GeneratorsGroup, "*", ["get"]));
        _ctx.PutSecret("vault-token", new Dictionary<string, string> { ["token"] = _vault.IssueToken() });
        _ctx.Server.PutObject(GeneratorsGroup, "vaultdynamicsecrets", EsoTestContext.Ns, new JsonObject
        {
            ["apiVersion"] = "generators.external-secrets.io/v1alpha1",
            ["kind"] = "VaultDynamicSecret",
            ["metadata"] = new JsonObject { ["name"] = "db-creds" },
            ["spec"] = new JsonObject
            {
                ["path"] = "database/creds/app",
                ["provider"] = new JsonObject
                {
                    ["server"] = _vault.Address.ToString(),
                    ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token" } },
                },
            },
        });
    }

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        await _vault.DisposeAsync();
    }

    private void PutExternalSecret(string refreshInterval, string name = "db") => _ctx.PutExternalSecret(name, new JsonObject
    {
        ["refreshInterval"] = refreshInterval,
        ["dataFrom"] = new JsonArray(new JsonObject
        {
            ["sourceRef"] = new JsonObject { ["generatorRef"] = new JsonObject { ["apiVersion"] = "generators.external-secrets.io/v1alpha1", ["kind"] = "VaultDynamicSecret", ["name"] = "db-creds" } },
        }),
    });

    private async Task DeleteExternalSecretAsync()
    {
        _ctx.Server.DeleteObject(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "db");
        await _ctx.ReconcileAsync("db");
    }

    [Fact]
    public async Task LeaseDueBeforeRefresh_RequeuedInTimeAndRenewed_CredentialsKept()
    {
        PutExternalSecret("24h");

        var first = await _ctx.ReconcileAsync("db");
        var password = _ctx.Value("db", "password");
        var lease = _vault.LiveLeases.Single();

        password.Should().StartWith("pw-1-");
        first.RequeueAfter.Should().BeLessThanOrEqualTo(TimeSpan.FromMinutes(40), "the 1h lease wants renewing two thirds in, long before the 24h refresh");
        _ctx.Clock.Advance(first.RequeueAfter!.Value + TimeSpan.FromSeconds(1));
        var second = await _ctx.ReconcileAsync("db");

        _vault.RenewCount.Should().Be(1);
        _vault.MintCount.Should().Be(1, "a renewed lease keeps its credentials");
        _vault.LiveLeases.Should().Equal(lease);
        _ctx.Value("db", "password").Should().Be(password);
        second.RequeueAfter.Should().BeLessThanOrEqualTo(TimeSpan.FromMinutes(40));
        _ctx.Observable.Should().NotContain(lease).And.NotContain(password!);
    }

    [Fact]
    public async Task RenewalRefused_SyncGeneratesNewCredentialsAndRevokesTheOldLease()
    {
        PutExternalSecret("24h");
        var first = await _ctx.ReconcileAsync("db");
        var password = _ctx.Value("db", "password");
        _vault.FailingPrefixes["/v1/sys/leases/renew"] = (400, "lease is not renewable");

        _ctx.Clock.Advance(first.RequeueAfter!.Value + TimeSpan.FromSeconds(1));
        await _ctx.ReconcileAsync("db");

        _vault.MintCount.Should().Be(2);
        _vault.RevokeCount.Should().Be(1);
        _vault.LiveLeases.Should().ContainSingle();
        _ctx.Value("db", "password").Should().NotBe(password).And.StartWith("pw-2-");
        _ctx.Ready("db")!.Status.Should().Be("True");
        _ctx.Logs.AllText.Should().Contain("Renewing the lease of generated database/creds/app");
    }

    [Fact]
    public async Task RefreshInterval_Regenerates_OldLeaseRevokedOnlyAfterTheNewIsWritten()
    {
        _vault.DatabaseLeaseTtl = TimeSpan.FromHours(3);
        PutExternalSecret("1h");
        await _ctx.ReconcileAsync("db");
        var oldLease = _vault.LiveLeases.Single();

        _ctx.Clock.Advance(TimeSpan.FromMinutes(61));
        await _ctx.ReconcileAsync("db");

        _vault.MintCount.Should().Be(2);
        _vault.RenewCount.Should().Be(0);
        _vault.RevokeCount.Should().Be(1);
        _vault.LiveLeases.Should().ContainSingle().Which.Should().NotBe(oldLease);
        _ctx.Value("db", "password").Should().StartWith("pw-2-");
    }

    [Fact]
    public async Task SyncFailsAfterGenerating_NewLeaseRevoked_SecretAndItsLeaseKept()
    {
        _ctx.FakeStore("plain", [("k", "v", null)]);
        PutExternalSecret("1h");
        await _ctx.ReconcileAsync("db");
        var kept = _vault.LiveLeases.Single();
        var password = _ctx.Value("db", "password");

        // A data entry the store does not have: the sync generates first, then fails.
        _ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "db", es =>
        {
            var spec = EsoTestContext.Spec("plain", data: EsoTestContext.Data(("x", "absent")));
            spec["dataFrom"] = es["spec"]!["dataFrom"]!.DeepClone();
            es["spec"] = spec;
        });
        await _ctx.ReconcileAsync("db");

        _ctx.Ready("db")!.Status.Should().Be("False");
        _vault.MintCount.Should().Be(2);
        _vault.LiveLeases.Should().Equal(kept);
        _ctx.Value("db", "password").Should().Be(password);
    }

    [Fact]
    public async Task Deleted_LeaseRevokedAndFinalizerRemoved()
    {
        PutExternalSecret("1h");
        await _ctx.ReconcileAsync("db");
        _vault.LiveLeases.Should().ContainSingle();

        await DeleteExternalSecretAsync();

        _ctx.ExternalSecret("db").Should().BeNull();
        _vault.RevokeCount.Should().Be(1);
        _vault.LiveLeases.Should().BeEmpty();
        _ctx.Logs.AllText.Should().Contain("Revoked the lease of generated database/creds/app for ExternalSecret team-a/db spec.dataFrom[0] (deleted)");
    }

    [Fact]
    public async Task Deleted_VaultDownDuringRevoke_FinalizerRemovedAndRevocationRetriedLater()
    {
        PutExternalSecret("1h");
        await _ctx.ReconcileAsync("db");
        var lease = _vault.LiveLeases.Single();
        var password = _ctx.Value("db", "password")!;
        _vault.FailingPrefixes["/v1/sys/leases/revoke"] = (500, "internal error");

        await DeleteExternalSecretAsync();

        _ctx.ExternalSecret("db").Should().BeNull("a failed revocation never holds the deletion");
        _vault.LiveLeases.Should().Equal(lease);
        _ctx.Logs.AllText.Should().Contain("Revoking the lease of generated database/creds/app for ExternalSecret team-a/db spec.dataFrom[0] failed");

        _vault.FailingPrefixes.Clear();
        PutExternalSecret("1h", "other");
        await _ctx.ReconcileAsync("other");
        _vault.LiveLeases.Should().Contain(lease, "the retry waits for its backoff");

        _ctx.Clock.Advance(TimeSpan.FromMinutes(1));
        await _ctx.ReconcileAsync("other");

        _vault.LiveLeases.Should().NotContain(lease, "the retry was due at the next sync");
        _vault.RevokeCount.Should().Be(1, "the refused call never reached the lease");
        _ctx.Observable.Should().NotContain(lease).And.NotContain(password).And.NotContain("hvs.");
    }

    [Fact]
    public async Task GeneratorNoLongerReferenced_LeaseRevoked()
    {
        _ctx.FakeStore("plain", [("k", "v", null)]);
        PutExternalSecret("1h");
        await _ctx.ReconcileAsync("db");
        _vault.LiveLeases.Should().ContainSingle();

        _ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "db", es =>
            es["spec"] = EsoTestContext.Spec("plain", data: EsoTestContext.Data(("k", "k"))));
        await _ctx.ReconcileAsync("db");

        _ctx.Value("db", "k").Should().Be("v");
        _vault.LiveLeases.Should().BeEmpty();
        _vault.RevokeCount.Should().Be(1);
    }
}
