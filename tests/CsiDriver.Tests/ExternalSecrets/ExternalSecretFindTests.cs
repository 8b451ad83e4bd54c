using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Reconcile;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary><c>dataFrom[].find</c> through the reconciler and the fake store: matching, key handling, the cap, sharing.</summary>
public sealed class ExternalSecretFindTests
{
    private const string Store = "store";

    private static JsonArray Find(string? regexp, JsonObject? tags = null, JsonArray? rewrite = null, string? conversion = null, string? decoding = null)
    {
        var find = new JsonObject();
        if (regexp is not null)
        {
            find["name"] = new JsonObject { ["regexp"] = regexp };
        }

        if (tags is not null)
        {
            find["tags"] = tags;
        }

        if (conversion is not null)
        {
            find["conversionStrategy"] = conversion;
        }

        if (decoding is not null)
        {
            find["decodingStrategy"] = decoding;
        }

        var entry = new JsonObject { ["find"] = find };
        if (rewrite is not null)
        {
            entry["rewrite"] = rewrite;
        }

        return new JsonArray(entry);
    }

    [Fact]
    public async Task FindByName_MatchingKeysOnly_HighestVersionWins_SlashesConverted()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("db/user", "u1", null), ("db/pass", "old", "v1"), ("db/pass", "new", "v2"), ("cache/url", "redis", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: Find("^db/")));

        await ctx.ReconcileAsync("es");

        ctx.Ready("es")!.Status.Should().Be("True");
        ctx.Value("es", "db_user").Should().Be("u1");
        ctx.Value("es", "db_pass").Should().Be("new");
        ctx.TypedSecret("es")!.Data!.Keys.Should().BeEquivalentTo(["db_user", "db_pass"]);
    }

    [Fact]
    public async Task FindWithRewriteRegexp_RewritesInsteadOfConverting()
    {
        var rewrite = new JsonArray(new JsonObject { ["regexp"] = new JsonObject { ["source"] = "^db/(.*)$", ["target"] = "DB_$1" } });
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("db/user", "u1", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: Find("^db/", rewrite: rewrite)));

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "DB_user").Should().Be("u1");
    }

    [Fact]
    public async Task FindWithDecodingStrategy_ValuesDecoded()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("cert", "aGVsbG8=", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: Find("cert", decoding: "Base64")));

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "cert").Should().Be("hello");
    }

    [Fact]
    public async Task FindPastTheCap_ReadyFalseEventAndSecretKept()
    {
        await using var ctx = await EsoTestContext.StartAsync(new ExternalSecretsReconcileOptions { FindMaxKeys = 2 });
        ctx.FakeStore(Store, [("app/a", "value-a", null), ("app/b", "value-b", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: Find("^app/")));
        await ctx.ReconcileAsync("es");
        var before = ctx.Secret("es")!.ToJsonString();

        ctx.SetStoreData(Store, ("app/a", "value-a"), ("app/b", "value-b"), ("app/c", "value-c"));
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        var result = await ctx.ReconcileAsync("es");

        result.Failed.Should().BeTrue();
        ctx.Secret("es")!.ToJsonString().Should().Be(before);
        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("more than 2 secrets", StringComparison.Ordinal)
            && e["message"]!.GetValue<string>().Contains("--find-max-keys", StringComparison.Ordinal));
        ctx.Observable.Should().NotContain("value-c");
    }

    [Theory]
    [InlineData("(unclosed", "does not compile")]
    [InlineData(null, "needs name.regexp, tags or path")]
    public async Task FindBadQuery_ReadyFalseWithTheReason_NothingWritten(string? regexp, string reason)
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("a", "hidden-value", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: Find(regexp)));

        await ctx.ReconcileAsync("es");

        ctx.Secret("es").Should().BeNull();
        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains(reason, StringComparison.Ordinal));
        ctx.Observable.Should().NotContain("hidden-value");
    }

    [Fact]
    public async Task FindByTagsOnTheFakeStore_RefusedAsTheOperatorsFakeDoes()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("a", "x", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: Find("a", tags: new JsonObject { ["team"] = "a" })));

        await ctx.ReconcileAsync("es");

        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("finds by name.regexp only", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FindAndExtractInOneEntry_Refused()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("a", "{}", null)]);
        var dataFrom = new JsonArray(new JsonObject { ["find"] = new JsonObject { ["name"] = new JsonObject { ["regexp"] = "a" } }, ["extract"] = new JsonObject { ["key"] = "a" } });
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: dataFrom));

        await ctx.ReconcileAsync("es");

        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Secret("es").Should().BeNull();
    }

    [Fact]
    public async Task SameFindInManyExternalSecrets_OneBackendListingPerWindow()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("db/user", "u1", null), ("db/pass", "p1", null)]);
        for (var i = 0; i < 5; i++)
        {
            ctx.PutExternalSecret($"es{i}", EsoTestContext.Spec(Store, dataFrom: Find("^db/")));
        }

        for (var i = 0; i < 5; i++)
        {
            await ctx.ReconcileAsync($"es{i}");
        }

        ctx.FakeReads.Should().Be(1);
        Enumerable.Range(0, 5).Should().OnlyContain(i => ctx.Value($"es{i}", "db_pass") == "p1");
    }
}
