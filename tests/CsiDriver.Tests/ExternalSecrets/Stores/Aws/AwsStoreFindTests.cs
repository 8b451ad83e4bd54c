using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary><c>dataFrom.find</c> on both AWS services: name regexp, tags, path, paging, and the cap.</summary>
public sealed class AwsStoreFindTests : IAsyncLifetime
{
    private const string Region = AwsStoreTestContext.Region;
    private AwsStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await AwsStoreTestContext.StartAsync();
        _t.PutKeys();
        _t.Aws.ListPageSize = 2;
        foreach (var name in (string[])["app/db-user", "app/db-pass", "app/api-key", "other/db-host", "app/cache"])
        {
            _t.Aws.PutSecret(Region, name, "value-of-" + name);
        }

        _t.Aws.TagSecret(Region, "app/api-key", ("team", "payments"));
        _t.Aws.TagSecret(Region, "other/db-host", ("team", "payments"), ("env", "prod"));
        _t.Aws.TagSecret(Region, "app/cache", ("team", "search"));
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static FindQuery Query(string? name = null, Dictionary<string, string>? tags = null, string? path = null, int max = 100) => new(name, tags, path, max);

    [Fact]
    public async Task SecretsManager_ByNameRegexp_EveryPageListedAndValuesBatched()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var found = await client.FindAsync(Query(name: "db-"), CancellationToken.None);

        found.Keys.Should().BeEquivalentTo("app/db-user", "app/db-pass", "other/db-host");
        StoreTestContext.Text(found["app/db-pass"]).Should().Be("value-of-app/db-pass");
        _t.Aws.Calls("secretsmanager.ListSecrets").Should().Be(3);
        _t.Aws.Calls("secretsmanager.BatchGetSecretValue").Should().Be(1);
    }

    [Fact]
    public async Task SecretsManager_ByTags_EveryPairMustMatch()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var payments = await client.FindAsync(Query(tags: new() { ["team"] = "payments" }), CancellationToken.None);
        var prod = await client.FindAsync(Query(tags: new() { ["team"] = "payments", ["env"] = "prod" }), CancellationToken.None);

        payments.Keys.Should().BeEquivalentTo("app/api-key", "other/db-host");
        prod.Keys.Should().Equal("other/db-host");
    }

    [Fact]
    public async Task SecretsManager_PathAndName_BothApply()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var found = await client.FindAsync(Query(name: "^app/db", path: "app/"), CancellationToken.None);

        found.Keys.Should().BeEquivalentTo("app/db-user", "app/db-pass");
    }

    [Fact]
    public async Task MoreMatchesThanTheCap_TooLargeAndNoValueRead()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var find = () => client.FindAsync(Query(name: ".*", max: 4), CancellationToken.None);

        var error = (await find.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.TooLarge);
        error.Message.Should().Contain("5").And.Contain("4");
        _t.Aws.TotalValueReads.Should().Be(0);
    }

    [Fact]
    public async Task InvalidRegexp_InvalidConfiguration()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var find = () => client.FindAsync(Query(name: "(unclosed"), CancellationToken.None);

        (await find.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.InvalidConfiguration);
    }

    [Fact]
    public async Task ParameterStore_ByPathTagAndName()
    {
        foreach (var name in (string[])["/app/db/user", "/app/db/pass", "/app/api", "/other/db"])
        {
            _t.Aws.PutParameter(Region, name, "p-" + name);
        }

        _t.Aws.TagParameter(Region, "/app/db/pass", ("team", "payments"));
        _t.Aws.TagParameter(Region, "/other/db", ("team", "payments"));
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock("ParameterStore"));

        var byPath = await client.FindAsync(Query(path: "/app"), CancellationToken.None);
        var byTag = await client.FindAsync(Query(tags: new() { ["team"] = "payments" }), CancellationToken.None);
        var byName = await client.FindAsync(Query(name: "db/u"), CancellationToken.None);

        byPath.Keys.Should().BeEquivalentTo("/app/db/user", "/app/db/pass", "/app/api");
        byTag.Keys.Should().BeEquivalentTo("/app/db/pass", "/other/db");
        byName.Keys.Should().Equal("/app/db/user");
        StoreTestContext.Text(byName["/app/db/user"]).Should().Be("p-/app/db/user");
    }
}
