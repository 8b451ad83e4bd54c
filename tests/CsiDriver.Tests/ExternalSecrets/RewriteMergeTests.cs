using System.Text.Json.Nodes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary><c>rewrite[].merge</c> and hostile rewrites through the reconciler: find results merged into one key set.</summary>
public sealed class RewriteMergeTests
{
    private const string Store = "store";

    private static async Task<EsoTestContext> SyncAsync(JsonObject rewrite, params (string Key, string Value, string? Version)[] data)
    {
        var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, data);
        var entry = new JsonObject { ["find"] = new JsonObject { ["name"] = new JsonObject { ["regexp"] = "^cfg-" } }, ["rewrite"] = new JsonArray(rewrite) };
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, dataFrom: new JsonArray(entry)));
        await ctx.ReconcileAsync("es");
        return ctx;
    }

    [Fact]
    public async Task MergeExtract_FieldsOfEveryValue_PriorityKeyWins()
    {
        var merge = new JsonObject { ["merge"] = new JsonObject { ["priority"] = new JsonArray("cfg-override"), ["conflictPolicy"] = "Ignore" } };
        await using var ctx = await SyncAsync(merge, ("cfg-a", """{"host":"a","port":1}""", null), ("cfg-b", """{"user":"u"}""", null), ("cfg-override", """{"host":"z"}""", null));

        ctx.Value("es", "host").Should().Be("z");
        ctx.Value("es", "port").Should().Be("1");
        ctx.Value("es", "user").Should().Be("u");
        ctx.TypedSecret("es")!.Data!.Keys.Should().BeEquivalentTo(["host", "port", "user"]);
    }

    [Fact]
    public async Task MergeJson_KeepsTheInputAndAddsTheMergedObjectUnderInto()
    {
        var merge = new JsonObject { ["merge"] = new JsonObject { ["strategy"] = "JSON", ["into"] = "merged" } };
        await using var ctx = await SyncAsync(merge, ("cfg-a", """{"x":"1"}""", null), ("cfg-b", """{"y":"2"}""", null));

        ctx.Value("es", "merged").Should().Be("""{"x":"1","y":"2"}""");
        ctx.Value("es", "cfg-a").Should().Be("""{"x":"1"}""");
    }

    [Theory]
    [InlineData("""{"merge":{}}""", "conflicts between keys")]
    [InlineData("""{"merge":{"priority":["cfg-missing"]}}""", "priority key \"cfg-missing\" not found")]
    [InlineData("""{"merge":{"strategy":"JSON"}}""", "needs into")]
    [InlineData("""{"regexp":{"source":"(unclosed","target":"x"}}""", "does not compile")]
    public async Task HostileOrConflictingRewrite_ReadyFalseNothingWrittenNoValues(string rewrite, string reason)
    {
        await using var ctx = await SyncAsync(JsonNode.Parse(rewrite)!.AsObject(), ("cfg-a", """{"host":"secret-a"}""", null), ("cfg-b", """{"host":"secret-b"}""", null));

        ctx.Secret("es").Should().BeNull();
        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains(reason, StringComparison.Ordinal));
        ctx.Observable.Should().NotContain("secret-a").And.NotContain("secret-b");
    }

    [Fact]
    public async Task MergeOfANonObjectValue_Refused()
    {
        await using var ctx = await SyncAsync(new JsonObject { ["merge"] = new JsonObject() }, ("cfg-a", "plain-text-value", null));

        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("is not a JSON object", StringComparison.Ordinal));
        ctx.Observable.Should().NotContain("plain-text-value");
    }
}
