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

    // Retry waits run on the system clock; the tests that retry ask for 1ms.
    private VaultDynamicSecretGenerator Generator() =>
        new([_t.VaultStores], new GeneratedLeases(_t.Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<GeneratedLeases>.Instance), TimeProvider.System);

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

    [Fact]
    public async Task RetrySettings_VaultFailsWith500_RetriedMaxRetriesTimesThenError()
    {
        var spec = Spec("database/creds/app");
        spec["retrySettings"] = new JsonObject { ["maxRetries"] = 2, ["retryInterval"] = "1ms" };
        _t.Vault.FailingPrefixes["/v1/database/creds/"] = (500, "internal error");

        var act = () => Generator().GenerateAsync(spec, Call, CancellationToken.None);

        await act.Should().ThrowAsync<GeneratorException>();
        _t.Vault.Calls("GET /v1/database/creds/app").Should().Be(3);
    }

    [Fact]
    public async Task RetrySettings_PermissionDenied_NotRetried()
    {
        var spec = Spec("database/creds/app");
        spec["retrySettings"] = new JsonObject { ["maxRetries"] = 3, ["retryInterval"] = "1ms" };
        _t.Vault.FailingPrefixes["/v1/database/creds/"] = (403, "permission denied");

        var act = () => Generator().GenerateAsync(spec, Call, CancellationToken.None);

        await act.Should().ThrowAsync<GeneratorException>();
        _t.Vault.Calls("GET /v1/database/creds/app").Should().Be(1);
    }

    [Theory]
    [InlineData(-1, "1s", "maxRetries")]
    [InlineData(1, "soon", "retryInterval")]
    public async Task RetrySettings_Invalid_GeneratorErrorNamesTheField(int maxRetries, string interval, string field)
    {
        var spec = Spec("database/creds/app");
        spec["retrySettings"] = new JsonObject { ["maxRetries"] = maxRetries, ["retryInterval"] = interval };

        var act = () => Generator().GenerateAsync(spec, Call, CancellationToken.None);

        (await act.Should().ThrowAsync<GeneratorException>()).Which.Message.Should().Contain(field);
        _t.Vault.MintCount.Should().Be(0);
    }
}
