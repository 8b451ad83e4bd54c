using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>ClusterSecretStore conditions, sourceRef stores, the store reconcilers and shared reads.</summary>
public sealed class StoreSelectionTests
{
    private static void PutNamespace(EsoTestContext ctx, string name, Dictionary<string, string> labels) =>
        ctx.Server.PutObject(string.Empty, "namespaces", null, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))) },
        });

    private static async Task<EsoTestContext> WithClusterStoreAsync(JsonArray? conditions)
    {
        var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("shared", [("k", "cluster-value", null)], kind: "ClusterSecretStore", conditions: conditions);
        ctx.PutExternalSecret("es", EsoTestContext.Spec("shared", storeKind: "ClusterSecretStore", data: EsoTestContext.Data(("v", "k"))));
        return ctx;
    }

    [Fact]
    public async Task ClusterSecretStore_NoConditions_Allowed()
    {
        await using var ctx = await WithClusterStoreAsync(null);

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "v").Should().Be("cluster-value");
    }

    [Theory]
    [InlineData("{\"namespaces\":[\"team-a\"]}")]
    [InlineData("{\"namespaceRegexes\":[\"^team-.*\"]}")]
    [InlineData("{\"namespaceSelector\":{\"matchLabels\":{\"tier\":\"gold\"}}}")]
    [InlineData("{\"namespaceSelector\":{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"gold\",\"silver\"]}]}}")]
    public async Task ClusterSecretStore_ConditionMatches_Allowed(string condition)
    {
        await using var ctx = await WithClusterStoreAsync(new JsonArray(JsonNode.Parse(condition)));
        PutNamespace(ctx, EsoTestContext.Ns, new Dictionary<string, string> { ["tier"] = "gold" });

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "v").Should().Be("cluster-value");
    }

    [Theory]
    [InlineData("{\"namespaces\":[\"team-b\"]}")]
    [InlineData("{\"namespaceRegexes\":[\"^prod-\"]}")]
    [InlineData("{\"namespaceSelector\":{\"matchLabels\":{\"tier\":\"platinum\"}}}")]
    public async Task ClusterSecretStore_ConditionDenies_ReadyFalseNoRead(string condition)
    {
        await using var ctx = await WithClusterStoreAsync(new JsonArray(JsonNode.Parse(condition)));
        PutNamespace(ctx, EsoTestContext.Ns, new Dictionary<string, string> { ["tier"] = "gold" });

        await ctx.ReconcileAsync("es");

        ctx.Secret("es").Should().BeNull();
        ctx.FakeReads.Should().Be(0);
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("is not allowed from namespace \"team-a\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SourceRefStore_OverridesSpecStorePerEntry()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("main", [("k", "from-main", null)]);
        ctx.FakeStore("shared", [("k", "from-cluster", null)], kind: "ClusterSecretStore");
        var data = EsoTestContext.Data(("a", "k"));
        data.Add(new JsonObject
        {
            ["secretKey"] = "b",
            ["remoteRef"] = new JsonObject { ["key"] = "k" },
            ["sourceRef"] = new JsonObject { ["storeRef"] = new JsonObject { ["name"] = "shared", ["kind"] = "ClusterSecretStore" } },
        });
        ctx.PutExternalSecret("es", EsoTestContext.Spec("main", data: data));

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "a").Should().Be("from-main");
        ctx.Value("es", "b").Should().Be("from-cluster");
    }

    [Fact]
    public async Task SharedReads_ManyExternalSecretsSameKey_OneBackendRead()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("shared", [("k", "one-read", null)], kind: "ClusterSecretStore");
        const int count = 20;
        for (var i = 0; i < count; i++)
        {
            ctx.PutExternalSecret($"es-{i}", EsoTestContext.Spec("shared", storeKind: "ClusterSecretStore", data: EsoTestContext.Data(("v", "k"))));
        }

        await Task.WhenAll(Enumerable.Range(0, count).Select(i => ctx.ReconcileAsync($"es-{i}")));

        Enumerable.Range(0, count).Should().OnlyContain(i => ctx.Value($"es-{i}", "v") == "one-read");
        ctx.FakeReads.Should().Be(1);
    }

    [Fact]
    public async Task SharedReads_StoreChanged_ReadAgain()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("store", [("k", "v1", null)]);
        ctx.PutExternalSecret("a", EsoTestContext.Spec("store", data: EsoTestContext.Data(("v", "k"))));
        ctx.PutExternalSecret("b", EsoTestContext.Spec("store", data: EsoTestContext.Data(("v", "k"))));
        await ctx.ReconcileAsync("a");

        ctx.SetStoreData("store", ("k", "v2"));
        await ctx.ReconcileAsync("b");

        ctx.Value("b", "v").Should().Be("v2", "a new store generation is a new read");
        ctx.FakeReads.Should().Be(2);
    }

    [Fact]
    public async Task SharedReads_Failure_NotCached()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("store", [("other", "x", null)]);
        ctx.PutExternalSecret("a", EsoTestContext.Spec("store", data: EsoTestContext.Data(("v", "k"))));
        ctx.PutExternalSecret("b", EsoTestContext.Spec("store", data: EsoTestContext.Data(("v", "k"))));

        await ctx.ReconcileAsync("a");
        await ctx.ReconcileAsync("b");

        ctx.FakeReads.Should().Be(2, "a failed read is not reused");
    }

    [Theory]
    [InlineData(null, "True", "Valid", "store validated", "ReadWrite")]
    [InlineData(1, "True", "ValidationUnknown", "could not determine validation status", null)]
    [InlineData(2, "False", "InvalidProviderConfig", "unable to validate store", null)]
    public async Task StoreReconciler_ValidationResult_SetsReadyCondition(int? validation, string status, string reason, string message, string? capabilities)
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("store", [], ready: false, validationResult: validation);

        await ctx.SecretStores.ReconcileAsync(new ObjectKey(EsoTestContext.Ns, "store"), CancellationToken.None);

        var store = ctx.Server.Get(FakeKubeApiServer.EsoGroup, "secretstores", EsoTestContext.Ns, "store")!;
        var ready = store["status"]!["conditions"]!.AsArray().Single()!;
        ready["status"]!.GetValue<string>().Should().Be(status);
        ready["reason"]!.GetValue<string>().Should().Be(reason);
        ready["message"]!.GetValue<string>().Should().Be(message);
        store["status"]!["capabilities"]?.GetValue<string>().Should().Be(capabilities);
        ctx.Registry.Render().Should().Contain($"secretstore_status_condition{{name=\"store\",namespace=\"team-a\",condition=\"Ready\",status=\"{status}\"}} 1");
    }

    [Fact]
    public async Task StoreReconciler_SecondPass_NoWriteAndRequeueAfterRefreshInterval()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("shared", [], kind: "ClusterSecretStore", ready: false);
        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "clustersecretstores", null, "shared", s => s["spec"]!["refreshInterval"] = 90);
        var key = new ObjectKey(null, "shared");
        await ctx.ClusterStores.ReconcileAsync(key, CancellationToken.None);
        var writes = ctx.Writes;

        var result = await ctx.ClusterStores.ReconcileAsync(key, CancellationToken.None);

        ctx.Writes.Should().Be(writes);
        result.RequeueAfter.Should().Be(TimeSpan.FromSeconds(90));
        ctx.HasEvent("Normal", "Valid").Should().BeTrue();
        ctx.Events.Should().OnlyContain(e => e["source"]!["component"]!.GetValue<string>() == "cluster-secret-store");
    }

    [Fact]
    public async Task StoreReconciler_ThenExternalSecret_FloodGateOpens()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("store", [("k", "v", null)], ready: false);
        ctx.PutExternalSecret("es", EsoTestContext.Spec("store", data: EsoTestContext.Data(("v", "k"))));
        (await ctx.ReconcileAsync("es")).Failed.Should().BeTrue();

        await ctx.SecretStores.ReconcileAsync(new ObjectKey(EsoTestContext.Ns, "store"), CancellationToken.None);
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "v").Should().Be("v");
        ctx.Registry.Render().Should().Contain("externalsecret_status_condition{name=\"es\",namespace=\"team-a\",condition=\"Ready\",status=\"True\"} 1")
            .And.Contain("externalsecret_sync_calls_total{name=\"es\",namespace=\"team-a\"} 2")
            .And.Contain("externalsecret_reconcile_duration{name=\"es\",namespace=\"team-a\"}");
    }

    [Fact]
    public async Task FakeStore_GetSecretMap_NotAnObject_Error()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("store", [("k", "[1,2]", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec("store", dataFrom: new JsonArray(new JsonObject { ["extract"] = new JsonObject { ["key"] = "k" } })));

        await ctx.ReconcileAsync("es");

        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("is not a JSON object", StringComparison.Ordinal));
    }

    [Fact]
    public void FakeStore_Select_GjsonDottedPathWithEscapesAndIndices()
    {
        using var json = System.Text.Json.JsonDocument.Parse("{\"a\":{\"b.c\":[{\"d\":\"x\"}]}}");
        CsiDriver.ExternalSecrets.Stores.GjsonPath.TryGet(json.RootElement, "a.b\\.c.0.d", out var found).Should().BeTrue();
        found.GetString().Should().Be("x");
        CsiDriver.ExternalSecrets.Stores.GjsonPath.TryGet(json.RootElement, "a.missing", out _).Should().BeFalse();
    }

    [Fact]
    public void KeyStrategies_ValidateKeys_DropsEmptyRejectsLong()
    {
        KeyStrategies.ValidateKeys(new Dictionary<string, byte[]> { [""] = [1], ["ok"] = [2] }).Keys.Should().Equal("ok");
        var act = () => KeyStrategies.ValidateKeys(new Dictionary<string, byte[]> { [new string('a', 254)] = [1] });
        act.Should().Throw<SyncException>();
    }
}
