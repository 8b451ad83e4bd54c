using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>The ClusterExternalSecret reconciler against the loopback API server: selection, ownership, renames, deletion, status.</summary>
public sealed class ClusterExternalSecretTests
{
    private const string Group = FakeKubeApiServer.EsoGroup;

    private static void Namespace(EsoTestContext ctx, string name, Dictionary<string, string>? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        ctx.Server.PutObject(string.Empty, "namespaces", null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = metadata });
    }

    private static void Relabel(EsoTestContext ctx, string name, Dictionary<string, string> labels) =>
        ctx.Server.Mutate(string.Empty, "namespaces", null, name, ns =>
            ns["metadata"]!["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))));

    private static JsonObject Ces(EsoTestContext ctx, string name, JsonObject specExtras)
    {
        var spec = new JsonObject
        {
            ["externalSecretSpec"] = EsoTestContext.Spec("shared", storeKind: "ClusterSecretStore", data: EsoTestContext.Data(("password", "db/password"))),
        };
        foreach (var (key, value) in specExtras)
        {
            spec[key] = value?.DeepClone();
        }

        return ctx.Server.PutObject(Group, "clusterexternalsecrets", null, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "ClusterExternalSecret",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = spec,
        });
    }

    private static JsonObject Selector(string key, string value) => new() { ["matchLabels"] = new JsonObject { [key] = value } };

    private static Task<ReconcileResult> ReconcileAsync(EsoTestContext ctx, string name) =>
        ctx.ClusterExternalSecrets.ReconcileAsync(new ObjectKey(null, name), CancellationToken.None);

    private static JsonObject? Es(EsoTestContext ctx, string ns, string name) => ctx.Server.Get(Group, "externalsecrets", ns, name);

    private static JsonObject Status(EsoTestContext ctx, string name) => ctx.Server.Get(Group, "clusterexternalsecrets", string.Empty, name)!["status"]!.AsObject();

    private static string[] Provisioned(EsoTestContext ctx, string name) =>
        Status(ctx, name)["provisionedNamespaces"] is JsonArray a ? [.. a.Select(n => n!.GetValue<string>())] : [];

    [Fact]
    public async Task SelectorsAndNames_ExternalSecretStampedWithOwnerMetadataAndSpec_StatusReady()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        Namespace(ctx, "team-x", new() { ["team"] = "x" });
        Namespace(ctx, "team-y", new() { ["team"] = "y" });
        Namespace(ctx, "listed");
        var ces = Ces(ctx, "db", new JsonObject
        {
            ["namespaceSelectors"] = new JsonArray(Selector("team", "x")),
            ["namespaces"] = new JsonArray("listed"),
            ["externalSecretMetadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "db" }, ["annotations"] = new JsonObject { ["note"] = "n" } },
            ["refreshTime"] = "10m",
        });

        var result = await ReconcileAsync(ctx, "db");

        result.RequeueAfter.Should().Be(TimeSpan.FromMinutes(10));
        var es = Es(ctx, "team-x", "db")!;
        es["metadata"]!["labels"]!["app"]!.GetValue<string>().Should().Be("db");
        es["metadata"]!["annotations"]!["note"]!.GetValue<string>().Should().Be("n");
        var owner = es["metadata"]!["ownerReferences"]![0]!;
        owner["kind"]!.GetValue<string>().Should().Be("ClusterExternalSecret");
        owner["uid"]!.GetValue<string>().Should().Be(ces["metadata"]!["uid"]!.GetValue<string>());
        owner["controller"]!.GetValue<bool>().Should().BeTrue();
        owner["blockOwnerDeletion"]!.GetValue<bool>().Should().BeTrue();
        JsonNode.DeepEquals(es["spec"], ces["spec"]!["externalSecretSpec"]).Should().BeTrue();
        Es(ctx, "listed", "db").Should().NotBeNull();
        Es(ctx, "team-y", "db").Should().BeNull();
        Provisioned(ctx, "db").Should().Equal(["listed", "team-x"], Status(ctx, "db").ToJsonString());
        var status = Status(ctx, "db");
        status["externalSecretName"]!.GetValue<string>().Should().Be("db");
        status["conditions"]!.ToJsonString().Should().Be("""[{"type":"Ready","status":"True"}]""");
        ctx.Server.Get(Group, "clusterexternalsecrets", string.Empty, "db")!["metadata"]!["finalizers"]!.AsArray()
            .Select(f => f!.GetValue<string>()).Should().Contain(ClusterExternalSecretReconciler.Finalizer);
        ctx.Registry.Render().Should().Contain("clusterexternalsecret_status_condition{name=\"db\",namespace=\"\",condition=\"Ready\",status=\"True\"} 1");
    }

    [Fact]
    public async Task NamespaceLabelledUnlabelledAndDeleted_ExternalSecretsFollow()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        Namespace(ctx, "a", new() { ["env"] = "prod" });
        Namespace(ctx, "b");
        Ces(ctx, "db", new JsonObject { ["namespaceSelectors"] = new JsonArray(Selector("env", "prod")) });
        await ReconcileAsync(ctx, "db");
        Provisioned(ctx, "db").Should().Equal("a");

        Relabel(ctx, "b", new() { ["env"] = "prod" });
        await ReconcileAsync(ctx, "db");
        Es(ctx, "b", "db").Should().NotBeNull();
        Provisioned(ctx, "db").Should().Equal("a", "b");

        Relabel(ctx, "a", new() { ["env"] = "dev" });
        await ReconcileAsync(ctx, "db");
        Es(ctx, "a", "db").Should().BeNull("a namespace no longer selected loses the ExternalSecret");
        Provisioned(ctx, "db").Should().Equal("b");

        ctx.Server.DeleteObject(string.Empty, "namespaces", null, "b");
        await ReconcileAsync(ctx, "db");
        Provisioned(ctx, "db").Should().BeEmpty();
        Status(ctx, "db")["conditions"]![0]!["status"]!.GetValue<string>().Should().Be("True");
    }

    [Fact]
    public async Task MatchExpressions_InNotInExistsDoesNotExist()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        Namespace(ctx, "in", new() { ["tier"] = "gold", ["pci"] = "yes" });
        Namespace(ctx, "notin", new() { ["tier"] = "bronze", ["pci"] = "yes" });
        Namespace(ctx, "nopci", new() { ["tier"] = "gold" });
        var selector = new JsonObject
        {
            ["matchExpressions"] = new JsonArray(
                new JsonObject { ["key"] = "tier", ["operator"] = "In", ["values"] = new JsonArray("gold", "silver") },
                new JsonObject { ["key"] = "pci", ["operator"] = "Exists" }),
        };
        Ces(ctx, "db", new JsonObject { ["namespaceSelectors"] = new JsonArray(selector) });

        await ReconcileAsync(ctx, "db");

        Provisioned(ctx, "db").Should().Equal("in");
    }

    [Fact]
    public async Task ExternalSecretItDoesNotOwn_LeftAloneAndReportedFailed()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        Namespace(ctx, "mine", new() { ["all"] = "1" });
        Namespace(ctx, "theirs", new() { ["all"] = "1" });
        var foreign = ctx.Server.PutObject(Group, "externalsecrets", "theirs", new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "ExternalSecret",
            ["metadata"] = new JsonObject { ["name"] = "db" },
            ["spec"] = EsoTestContext.Spec("own-store"),
        });
        Ces(ctx, "db", new JsonObject { ["namespaceSelectors"] = new JsonArray(Selector("all", "1")) });

        await ReconcileAsync(ctx, "db");

        Es(ctx, "theirs", "db")!["spec"]!.ToJsonString().Should().Be(foreign["spec"]!.ToJsonString());
        Provisioned(ctx, "db").Should().Equal("mine");
        var status = Status(ctx, "db");
        status["failedNamespaces"]!.ToJsonString().Should().Be("""[{"namespace":"theirs","reason":"external secret already exists in namespace"}]""");
        status["conditions"]!.ToJsonString().Should().Be("""[{"type":"Ready","status":"False","message":"one or more namespaces failed"}]""");

        // Deleting the CES takes only what it made.
        ctx.Server.DeleteObject(Group, "clusterexternalsecrets", null, "db");
        await ReconcileAsync(ctx, "db");
        Es(ctx, "mine", "db").Should().BeNull();
        Es(ctx, "theirs", "db").Should().NotBeNull();
        ctx.Server.Get(Group, "clusterexternalsecrets", string.Empty, "db").Should().BeNull("the finalizer is removed once cleanup is done");
    }

    [Fact]
    public async Task ExternalSecretNameChanged_OldOnesDeletedNewOnesCreated()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        Namespace(ctx, "a", new() { ["all"] = "1" });
        Ces(ctx, "db", new JsonObject { ["namespaceSelectors"] = new JsonArray(Selector("all", "1")) });
        await ReconcileAsync(ctx, "db");

        ctx.Server.Mutate(Group, "clusterexternalsecrets", null, "db", ces => ces["spec"]!["externalSecretName"] = "db-renamed");
        await ReconcileAsync(ctx, "db");

        Es(ctx, "a", "db").Should().BeNull();
        Es(ctx, "a", "db-renamed").Should().NotBeNull();
        Status(ctx, "db")["externalSecretName"]!.GetValue<string>().Should().Be("db-renamed");
    }

    [Fact]
    public async Task SpecChangedOrExternalSecretEdited_ExternalSecretBroughtBack_NoWriteWhenUnchanged()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        Namespace(ctx, "a", new() { ["all"] = "1" });
        Ces(ctx, "db", new JsonObject { ["namespaceSelectors"] = new JsonArray(Selector("all", "1")) });
        await ReconcileAsync(ctx, "db");
        ctx.Server.Mutate(Group, "externalsecrets", "a", "db", es => es["spec"]!["refreshInterval"] = "5s");

        await ReconcileAsync(ctx, "db");
        Es(ctx, "a", "db")!["spec"]!["refreshInterval"]!.GetValue<string>().Should().Be("1h");

        var writes = ctx.WriteRequests.Count(r => r.Resource == "externalsecrets");
        await ReconcileAsync(ctx, "db");
        ctx.WriteRequests.Count(r => r.Resource == "externalsecrets").Should().Be(writes);
    }

    [Fact]
    public async Task NoSelectorsNoNames_NothingProvisioned()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        Namespace(ctx, "a", new() { ["all"] = "1" });
        Ces(ctx, "db", new JsonObject());

        await ReconcileAsync(ctx, "db");

        Es(ctx, "a", "db").Should().BeNull();
        Provisioned(ctx, "db").Should().BeEmpty();
    }
}
