using System.Text.Json;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets.PushSecrets;

/// <summary>ClusterPushSecret through the loopback API server: one owned PushSecret per selected namespace.</summary>
public sealed class ClusterPushSecretTests
{
    private static async Task<PushSecretTestContext> StartAsync()
    {
        var ctx = await PushSecretTestContext.StartAsync();
        Namespace(ctx, "team-a", "yes");
        Namespace(ctx, "team-b", "yes");
        Namespace(ctx, "team-c", "no");
        return ctx;
    }

    private static void Namespace(PushSecretTestContext ctx, string name, string push) =>
        ctx.Server.PutObject(string.Empty, "namespaces", null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["push"] = push } } });

    private static JsonObject PutCps(PushSecretTestContext ctx, string? pushSecretName = null, JsonArray? namespaces = null)
    {
        var spec = new JsonObject
        {
            ["pushSecretSpec"] = PushSecretTestContext.Spec("store", "source", PushSecretTestContext.Data(("password", "db/password", null))),
            ["namespaceSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { ["push"] = "yes" } }),
            ["pushSecretMetadata"] = new JsonObject { ["labels"] = new JsonObject { ["team"] = "platform" } },
        };
        if (pushSecretName is not null)
        {
            spec["pushSecretName"] = pushSecretName;
        }

        if (namespaces is not null)
        {
            spec["namespaces"] = namespaces;
        }

        return ctx.Server.PutObject(FakeKubeApiServer.EsoGroup, "clusterpushsecrets", null, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1alpha1",
            ["kind"] = "ClusterPushSecret",
            ["metadata"] = new JsonObject { ["name"] = "everywhere" },
            ["spec"] = spec,
        });
    }

    private static Task<ReconcileResult> ReconcileAsync(PushSecretTestContext ctx) => ctx.ClusterReconciler.ReconcileAsync(new ObjectKey(null, "everywhere"), CancellationToken.None);

    private static ClusterPushSecretStatus? Status(PushSecretTestContext ctx) =>
        ctx.Server.Get(FakeKubeApiServer.EsoGroup, "clusterpushsecrets", string.Empty, "everywhere")?["status"]?.Deserialize(ClusterPushSecretJsonContext.Default.ClusterPushSecretStatus);

    private static JsonObject? PushSecretIn(PushSecretTestContext ctx, string ns, string name = "everywhere") =>
        ctx.Server.Get(FakeKubeApiServer.EsoGroup, "pushsecrets", ns, name);

    [Fact]
    public async Task Provision_SelectedNamespacesGetOwnedPushSecrets_OthersNone_StatusListsThem()
    {
        await using var ctx = await StartAsync();
        var cps = PutCps(ctx);

        var result = await ReconcileAsync(ctx);

        result.RequeueAfter.Should().Be(TimeSpan.FromHours(1));
        foreach (var ns in new[] { "team-a", "team-b" })
        {
            var ps = PushSecretIn(ctx, ns)!;
            JsonNode.DeepEquals(ps["spec"], cps["spec"]!["pushSecretSpec"]).Should().BeTrue();
            ps["metadata"]!["labels"]!["team"]!.GetValue<string>().Should().Be("platform");
            var owner = ps["metadata"]!["ownerReferences"]![0]!;
            owner["kind"]!.GetValue<string>().Should().Be("ClusterPushSecret");
            owner["uid"]!.GetValue<string>().Should().Be(cps["metadata"]!["uid"]!.GetValue<string>());
            owner["controller"]!.GetValue<bool>().Should().BeTrue();
        }

        PushSecretIn(ctx, "team-c").Should().BeNull();
        var status = Status(ctx)!;
        status.ProvisionedNamespaces.Should().Equal("team-a", "team-b");
        status.FailedNamespaces.Should().BeNull();
        status.PushSecretName.Should().Be("everywhere");
        status.Conditions!.Single().Should().BeEquivalentTo(new { Type = "Ready", Status = "True", Reason = "Synced" });
    }

    [Fact]
    public async Task NamespaceNoLongerSelected_ItsPushSecretDeleted()
    {
        await using var ctx = await StartAsync();
        PutCps(ctx);
        await ReconcileAsync(ctx);

        ctx.Server.Mutate(string.Empty, "namespaces", null, "team-b", n => n["metadata"]!["labels"]!["push"] = "no");
        await ReconcileAsync(ctx);

        PushSecretIn(ctx, "team-b").Should().BeNull();
        PushSecretIn(ctx, "team-a").Should().NotBeNull();
        Status(ctx)!.ProvisionedNamespaces.Should().Equal("team-a");
    }

    [Fact]
    public async Task ExistingPushSecretOfSomeoneElse_NamespaceFailedAndLeftAlone()
    {
        await using var ctx = await StartAsync();
        ctx.Server.PutObject(FakeKubeApiServer.EsoGroup, "pushsecrets", "team-b", new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1alpha1",
            ["kind"] = "PushSecret",
            ["metadata"] = new JsonObject { ["name"] = "everywhere" },
            ["spec"] = new JsonObject { ["refreshInterval"] = "5m" },
        });
        PutCps(ctx);

        await ReconcileAsync(ctx);

        PushSecretIn(ctx, "team-b")!["spec"]!["refreshInterval"]!.GetValue<string>().Should().Be("5m");
        var status = Status(ctx)!;
        status.ProvisionedNamespaces.Should().Equal("team-a");
        status.FailedNamespaces.Should().ContainSingle().Which.Should().Be(new NamespaceFailure { Namespace = "team-b", Reason = "push secret already exists in namespace" });
        status.Conditions!.Single().Status.Should().Be("False");
    }

    [Fact]
    public async Task SpecChanged_ProvisionedPushSecretsUpdated_NoWriteWhenUnchanged()
    {
        await using var ctx = await StartAsync();
        PutCps(ctx);
        await ReconcileAsync(ctx);

        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "clusterpushsecrets", null, "everywhere", c => c["spec"]!["pushSecretSpec"]!["refreshInterval"] = "10m");
        await ReconcileAsync(ctx);
        PushSecretIn(ctx, "team-a")!["spec"]!["refreshInterval"]!.GetValue<string>().Should().Be("10m");

        var writes = ctx.Server.Requests.Count(r => r.Resource == "pushsecrets" && r.Verb is "create" or "update");
        await ReconcileAsync(ctx);
        ctx.Server.Requests.Count(r => r.Resource == "pushsecrets" && r.Verb is "create" or "update").Should().Be(writes);
    }

    [Fact]
    public async Task RenamedPushSecretName_OldOnesDeletedNewOnesCreated_NamespacesByNameToo()
    {
        await using var ctx = await StartAsync();
        PutCps(ctx);
        await ReconcileAsync(ctx);

        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "clusterpushsecrets", null, "everywhere", c =>
        {
            c["spec"]!["pushSecretName"] = "renamed";
            c["spec"]!["namespaces"] = new JsonArray("team-c");
        });
        await ReconcileAsync(ctx);

        PushSecretIn(ctx, "team-a").Should().BeNull();
        PushSecretIn(ctx, "team-a", "renamed").Should().NotBeNull();
        PushSecretIn(ctx, "team-c", "renamed").Should().NotBeNull();
        Status(ctx)!.ProvisionedNamespaces.Should().Equal("team-a", "team-b", "team-c");
    }
}
