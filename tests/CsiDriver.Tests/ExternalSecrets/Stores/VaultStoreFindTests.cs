using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary><c>find</c> on the <c>vault</c> store against the loopback Vault: recursive LIST, name regexp, custom-metadata tags, KV v1, the cap.</summary>
public sealed class VaultStoreFindTests : IAsyncLifetime
{
    private StoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await StoreTestContext.StartAsync();
        _t.Vault.PutKv2("app/db", new Dictionary<string, object?> { ["password"] = "db-pass" });
        _t.Vault.PutKv2("app/nested/cache", new Dictionary<string, object?> { ["url"] = "redis" });
        _t.Vault.PutKv2("other/thing", new Dictionary<string, object?> { ["x"] = "y" });
        _t.Vault.CustomMetadata["app/db"] = new Dictionary<string, string> { ["team"] = "payments", ["env"] = "prod" };
        _t.Vault.CustomMetadata["other/thing"] = new Dictionary<string, string> { ["team"] = "payments" };
        _t.Vault.PutKv1("legacy/a", new Dictionary<string, object?> { ["k"] = "v1-a" });
        _t.Vault.PutKv1("legacy/b", new Dictionary<string, object?> { ["k"] = "v1-b" });
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private async Task<IStoreClient> ConnectAsync(string version = "v2", string mount = "secret")
    {
        _t.PutSecret("default", "vault-token", new Dictionary<string, string> { ["token"] = _t.Vault.IssueToken() });
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = mount,
            ["version"] = version,
            ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token" } },
        };
        return await _t.VaultStores.ConnectAsync(StoreTestContext.SecretStore("default", "vault", block), CancellationToken.None);
    }

    private static Dictionary<string, string> Text(IReadOnlyDictionary<string, byte[]> found) =>
        found.ToDictionary(p => p.Key, p => StoreTestContext.Text(p.Value));

    [Fact]
    public async Task FindByPathAndName_ListsRecursivelyUnderThePath_NamesRelativeToTheMount()
    {
        var client = await ConnectAsync();

        var found = await client.FindAsync(new FindQuery("db|cache", null, "app", 100), CancellationToken.None);

        Text(found).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["app/db"] = """{"password":"db-pass"}""",
            ["app/nested/cache"] = """{"url":"redis"}""",
        });
        _t.Vault.SecretCalls.Select(c => c.Request).Where(r => r.StartsWith("LIST", StringComparison.Ordinal))
            .Should().Equal("LIST /v1/secret/metadata/app/", "LIST /v1/secret/metadata/app/nested/");
    }

    [Fact]
    public async Task FindByTags_MatchesCustomMetadata_AllPairsRequired()
    {
        var client = await ConnectAsync();

        var found = await client.FindAsync(new FindQuery(null, new Dictionary<string, string> { ["team"] = "payments", ["env"] = "prod" }, null, 100), CancellationToken.None);

        found.Keys.Should().BeEquivalentTo(["app/db"]);
        _t.Vault.Calls("GET /v1/secret/data/other/thing").Should().Be(0);
    }

    [Fact]
    public async Task FindKvV1ByName_ListsTheMount()
    {
        var client = await ConnectAsync(version: "v1", mount: "kv");

        var found = await client.FindAsync(new FindQuery("^legacy/", null, null, 100), CancellationToken.None);

        Text(found).Should().BeEquivalentTo(new Dictionary<string, string> { ["legacy/a"] = """{"k":"v1-a"}""", ["legacy/b"] = """{"k":"v1-b"}""" });
        _t.Vault.Calls("LIST /v1/kv/").Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task FindKvV1ByTags_RefusedWithoutACall()
    {
        var client = await ConnectAsync(version: "v1", mount: "kv");

        var act = () => client.FindAsync(new FindQuery(null, new Dictionary<string, string> { ["team"] = "a" }, null, 100), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("KV v2");
        _t.Vault.SecretCalls.Should().BeEmpty();
    }

    [Fact]
    public async Task FindPastTheCap_TooLargeBeforeAnyValueIsRead()
    {
        var client = await ConnectAsync();

        var act = () => client.FindAsync(new FindQuery(".", null, null, 2), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.TooLarge);
        _t.Vault.Calls("GET /v1/secret/data/").Should().Be(0);
    }

    [Fact]
    public async Task FindUnderAPathWithNothing_NotFound()
    {
        var client = await ConnectAsync();

        var act = () => client.FindAsync(new FindQuery(null, null, "nothing-here", 100), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.NotFound);
    }
}
