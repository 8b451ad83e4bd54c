using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>
/// The controller as it ships: the real executable (`csi-secrets-store controller`) against the loopback API server,
/// with the controller's exact RBAC, reconciling a SecretStore (fake provider) and an ExternalSecret into a Secret.
/// </summary>
public sealed class ControllerEndToEndTests
{
    private const string Ns = "apps";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ControllerProcess_FakeStoreExternalSecret_SecretCreatedThenRotatedOnForceSync()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "secretstores", Ns, Store("v1-first-value"));
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ExternalSecret());
        var kubeconfig = KubeTestContext.WriteKubeconfig(ctx.Directory, ctx.Server, $"token: {ControllerTestContext.Token}", file: "e2e-kubeconfig");
        using var controller = DriverProcess.Start(
            "controller", "--kubeconfig", kubeconfig, "--metrics-addr", "127.0.0.1:0", "--leader-election-namespace", "kube-system",
            "--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s", "--leader-election-retry-period=500ms");

        await Eventually.TrueAsync(() => SecretValue(ctx) is not null || controller.HasExited, Wait, "the controller creates the target Secret");
        controller.HasExited.Should().BeFalse(controller.Output);
        SecretValue(ctx).Should().Be("v1-first-value");
        var secret = ctx.Server.Get(string.Empty, "secrets", Ns, "db-credentials")!;
        secret["metadata"]!["labels"]![ControllerResources.ManagedLabel]!.GetValue<string>().Should().Be("true");
        secret["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>().Should().Be("ExternalSecret");
        await Eventually.TrueAsync(() => ReadyReason(ctx) == "SecretSynced", Wait, "the ExternalSecret reports Ready");

        // The backend rotates; a force-sync annotation makes the controller read it now rather than in an hour.
        // As the API server stores a spec change: same object and status, next generation.
        var store = ctx.Server.Get(ControllerTestContext.Group, "secretstores", Ns, "fake")!;
        store["spec"] = Store("v2-rotated-value")["spec"]!.DeepClone();
        store["metadata"]!["generation"] = 2;
        ctx.Server.Put(ControllerTestContext.Group, "secretstores", Ns, store);
        var es = ctx.Server.Get(ControllerTestContext.Group, "externalsecrets", Ns, "db")!;
        es["metadata"]!["annotations"] = new JsonObject { ["force-sync"] = "1" };
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, es);

        await Eventually.TrueAsync(() => SecretValue(ctx) == "v2-rotated-value" || controller.HasExited, Wait, "the rotated value reaches the Secret");
        controller.HasExited.Should().BeFalse(controller.Output);
        controller.Output.Should().NotContain("v1-first-value").And.NotContain("v2-rotated-value");

        controller.Signal("TERM");
        (await controller.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0, controller.Output);
    }

    private static string? SecretValue(ControllerTestContext ctx) =>
        ctx.Server.Get(string.Empty, "secrets", Ns, "db-credentials")?["data"]?["password"]?.GetValue<string>() is { } b64
            ? Encoding.UTF8.GetString(Convert.FromBase64String(b64))
            : null;

    private static string? ReadyReason(ControllerTestContext ctx) =>
        ctx.Server.Get(ControllerTestContext.Group, "externalsecrets", Ns, "db")?["status"]?["conditions"]?.AsArray()
            .FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["reason"]?.GetValue<string>();

    private static JsonObject Store(string value) => new()
    {
        ["apiVersion"] = "external-secrets.io/v1",
        ["kind"] = "SecretStore",
        ["metadata"] = new JsonObject { ["name"] = "fake", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["provider"] = new JsonObject
            {
                ["fake"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["key"] = "db/password", ["value"] = value }) },
            },
        },
    };

    private static JsonObject ExternalSecret() => new()
    {
        ["apiVersion"] = "external-secrets.io/v1",
        ["kind"] = "ExternalSecret",
        ["metadata"] = new JsonObject { ["name"] = "db", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["refreshInterval"] = "1h",
            ["secretStoreRef"] = new JsonObject { ["name"] = "fake", ["kind"] = "SecretStore" },
            ["target"] = new JsonObject { ["name"] = "db-credentials" },
            ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "password", ["remoteRef"] = new JsonObject { ["key"] = "db/password" } }),
        },
    };
}
