using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Generators;
using CsiDriver.Tests.ExternalSecrets.Stores;

namespace CsiDriver.Tests.ExternalSecrets.Generators;

/// <summary>The VaultDynamicSecret generator against the loopback Vault, logged in through the vault store's auth.</summary>
public sealed class VaultDynamicSecretGeneratorTests : IAsyncLifetime
{
    private StoreTestContext _t = null!;

    public async Task InitializeAsync() => _t = await StoreTestContext.StartAsync();

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private JsonObject Spec(string path, string? resultType = null)
    {
        _t.PutSecret("default", "vault-token", new Dictionary<string, string> { ["token"] = _t.Vault.IssueToken() });
        var spec = new JsonObject
        {
            ["path"] = path,
            ["provider"] = new JsonObject
            {
                ["server"] = _t.Vault.Address.ToString(),
                ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token" } },
            },
        };
        if (resultType is not null)
        {
            spec["resultType"] = resultType;
        }

        return spec;
    }

    private static readonly GeneratorCall Call = new("default", "es", "uid-1", "spec.dataFrom[0]");

    private VaultDynamicSecretGenerator Generator() => new([_t.VaultStores], new GeneratedLeases(_t.Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<GeneratedLeases>.Instance));

    [Fact]
    public async Task DatabaseCreds_DataFieldsBecomeKeys_EachCallMintsNew()
    {
        var first = await Generator().GenerateAsync(Spec("database/creds/app"), Call, CancellationToken.None);
        var second = await Generator().GenerateAsync(Spec("database/creds/app"), Call, CancellationToken.None);

        Encoding.UTF8.GetString(first["username"]).Should().StartWith("v-app-");
        first["password"].Should().NotEqual(second["password"]);
        _t.Vault.MintCount.Should().Be(2);
    }

    [Fact]
    public async Task ResultTypeRaw_TopLevelFieldsIncludingLease()
    {
        var raw = await Generator().GenerateAsync(Spec("database/creds/app", "Raw"), Call, CancellationToken.None);

        Encoding.UTF8.GetString(raw["lease_id"]).Should().StartWith("database/creds/app/");
        Encoding.UTF8.GetString(raw["data"]).Should().Contain("\"username\"");
    }

    [Fact]
    public async Task PathVaultRefuses_GeneratorErrorWithoutTheToken()
    {
        var spec = Spec("nothing/here");

        var act = () => Generator().GenerateAsync(spec, Call, CancellationToken.None);

        var error = (await act.Should().ThrowAsync<GeneratorException>()).Which;
        error.Message.Should().Contain("nothing/here");
        error.ToString().Should().NotContain("hvs.");
    }
}
