using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary><c>find</c> on the <c>kubernetes</c> store against the loopback API server: by name regexp, by label tags, the cap, RBAC.</summary>
public sealed class KubernetesStoreFindTests : IAsyncLifetime
{
    private const string ReaderUser = "system:serviceaccount:apps:reader";
    private StoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await StoreTestContext.StartAsync();
        _t.PutSecret("remote", "db-main", new Dictionary<string, string> { ["password"] = "p1" }, labels: new Dictionary<string, string> { ["team"] = "a", ["tier"] = "gold" });
        _t.PutSecret("remote", "db-replica", new Dictionary<string, string> { ["password"] = "p2" }, labels: new Dictionary<string, string> { ["team"] = "a" });
        _t.PutSecret("remote", "cache", new Dictionary<string, string> { ["url"] = "redis" }, labels: new Dictionary<string, string> { ["team"] = "b" });
        _t.PutSecret("elsewhere", "db-other", new Dictionary<string, string> { ["password"] = "p3" });
        _t.Kube.PutServiceAccount("apps", "reader");
        _t.Kube.Allow(ReaderUser, new FakeRule("", "secrets", ["get", "list"], Namespace: "remote"));
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private async Task<IStoreClient> ConnectAsync(string account = "reader") =>
        await _t.KubernetesStores.ConnectAsync(
            StoreTestContext.SecretStore("apps", "kubernetes", new JsonObject { ["remoteNamespace"] = "remote", ["auth"] = new JsonObject { ["serviceAccount"] = new JsonObject { ["name"] = account } } }),
            CancellationToken.None);

    [Fact]
    public async Task FindByName_SecretsOfTheRemoteNamespaceOnly_EachAsItsDataJson()
    {
        var client = await ConnectAsync();

        var found = await client.FindAsync(new FindQuery("^db-", null, null, 100), CancellationToken.None);

        found.ToDictionary(p => p.Key, p => StoreTestContext.Text(p.Value)).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["db-main"] = """{"password":"p1"}""",
            ["db-replica"] = """{"password":"p2"}""",
        });
        _t.Kube.Requests.Should().ContainSingle(r => r.Resource == "secrets" && r.Verb == "list" && r.User == ReaderUser);
    }

    [Fact]
    public async Task FindByTags_EveryLabelRequired()
    {
        var client = await ConnectAsync();

        var found = await client.FindAsync(new FindQuery(null, new Dictionary<string, string> { ["team"] = "a", ["tier"] = "gold" }, null, 100), CancellationToken.None);

        found.Keys.Should().BeEquivalentTo(["db-main"]);
    }

    [Fact]
    public async Task FindPastTheCap_TooLarge()
    {
        var client = await ConnectAsync();

        var act = () => client.FindAsync(new FindQuery(".", null, null, 2), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.TooLarge);
    }

    [Fact]
    public async Task FindWithoutListRights_PermissionDeniedNamingTheGrant()
    {
        _t.Kube.PutServiceAccount("apps", "getter");
        _t.Kube.Allow("system:serviceaccount:apps:getter", new FakeRule("", "secrets", ["get"], Namespace: "remote"));
        var client = await ConnectAsync("getter");

        var act = () => client.FindAsync(new FindQuery("db", null, null, 100), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("grant it list on secrets there");
    }

    [Theory]
    [InlineData("team,x", "a")]
    [InlineData("team", "a=b")]
    public async Task FindByTagsThatAreNotLabelTerms_Refused(string key, string value)
    {
        var client = await ConnectAsync();

        var act = () => client.FindAsync(new FindQuery(null, new Dictionary<string, string> { [key] = value }, null, 100), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.InvalidConfiguration);
    }
}
