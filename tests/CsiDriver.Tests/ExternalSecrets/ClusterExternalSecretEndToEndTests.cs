using System.Text.Json.Nodes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>
/// The controller executable with its exact RBAC following namespaces for a ClusterExternalSecret through its
/// watches alone (nothing requeues it by time in this test): labelled, unlabelled, created labelled and deleted.
/// </summary>
public sealed class ClusterExternalSecretEndToEndTests
{
    private const string Group = ControllerTestContext.Group;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static void Namespace(ControllerTestContext ctx, string name, Dictionary<string, string> labels) =>
        ctx.Server.PutObject(string.Empty, "namespaces", null, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))) },
        });

    private static void Relabel(ControllerTestContext ctx, string name, string env) =>
        ctx.Server.Mutate(string.Empty, "namespaces", null, name, ns => ns["metadata"]!["labels"] = new JsonObject { ["env"] = env });

    private static bool Has(ControllerTestContext ctx, string ns) => ctx.Server.Get(Group, "externalsecrets", ns, "db") is not null;

    [Fact]
    public async Task ControllerProcess_NamespaceLabelledUnlabelledCreatedAndDeleted_ExternalSecretsFollow()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        Namespace(ctx, "a", new() { ["env"] = "prod" });
        Namespace(ctx, "b", new() { ["env"] = "dev" });
        ctx.Server.PutObject(Group, "clusterexternalsecrets", null, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "ClusterExternalSecret",
            ["metadata"] = new JsonObject { ["name"] = "db" },
            ["spec"] = new JsonObject
            {
                ["refreshTime"] = "24h",
                ["namespaceSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { ["env"] = "prod" } }),
                ["externalSecretSpec"] = new JsonObject
                {
                    ["secretStoreRef"] = new JsonObject { ["name"] = "shared", ["kind"] = "ClusterSecretStore" },
                    ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "password", ["remoteRef"] = new JsonObject { ["key"] = "db/password" } }),
                },
            },
        });
        var kubeconfig = KubeTestContext.WriteKubeconfig(ctx.Directory, ctx.Server, $"token: {ControllerTestContext.Token}", file: "ces-kubeconfig");
        using var controller = DriverProcess.Start(
            "controller", "--kubeconfig", kubeconfig, "--metrics-addr", "127.0.0.1:0", "--leader-elect=false");

        await Eventually.TrueAsync(() => Has(ctx, "a") || controller.HasExited, Wait, "the ExternalSecret is stamped into the selected namespace");
        controller.HasExited.Should().BeFalse(controller.Output);
        Has(ctx, "b").Should().BeFalse();

        Relabel(ctx, "b", "prod");
        await Eventually.TrueAsync(() => Has(ctx, "b"), Wait, "a namespace that gets the label gets the ExternalSecret");

        Relabel(ctx, "a", "dev");
        await Eventually.TrueAsync(() => !Has(ctx, "a"), Wait, "a namespace that loses the label loses it");

        Namespace(ctx, "c", new() { ["env"] = "prod" });
        await Eventually.TrueAsync(() => Has(ctx, "c"), Wait, "a new labelled namespace gets it");

        ctx.Server.DeleteObject(string.Empty, "namespaces", null, "c");
        await Eventually.TrueAsync(
            () => ctx.Server.Get(Group, "clusterexternalsecrets", string.Empty, "db")?["status"]?["provisionedNamespaces"]?.ToJsonString() == "[\"b\"]",
            Wait,
            "a deleted namespace leaves provisionedNamespaces");

        controller.Signal("TERM");
        (await controller.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0, controller.Output);
    }
}
