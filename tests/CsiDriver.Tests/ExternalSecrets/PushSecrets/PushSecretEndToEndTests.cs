using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Reconcile.PushSecrets;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets.PushSecrets;

/// <summary>
/// The controller executable with the controller's RBAC: a PushSecret is watched and pushed into a fake store, an
/// ExternalSecret reads it back into another Secret, and deleting the PushSecret removes what it wrote.
/// </summary>
public sealed class PushSecretEndToEndTests
{
    private const string Ns = "apps";
    private const string Value = "round-trip-s3cr3t";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ControllerProcess_PushSecretRoundTripsThroughTheStore_DeleteRemovesWhatItWrote()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "secretstores", Ns, Store());
        ctx.Server.Put(string.Empty, "secrets", Ns, FakeKubeApiServer.Secret("source", new Dictionary<string, string> { ["password"] = Value }));
        ctx.Server.Put(ControllerTestContext.Group, "pushsecrets", Ns, PushSecret());
        var kubeconfig = KubeTestContext.WriteKubeconfig(ctx.Directory, ctx.Server, $"token: {ControllerTestContext.Token}", file: "push-kubeconfig");
        using var controller = DriverProcess.Start(
            "controller", "--kubeconfig", kubeconfig, "--metrics-addr", "127.0.0.1:0", "--leader-election-namespace", "kube-system",
            "--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s", "--leader-election-retry-period=500ms");

        await Eventually.TrueAsync(() => ReadyReason(ctx, "pushsecrets", "push") == "Synced" || controller.HasExited, Wait, "the PushSecret reports Synced");
        controller.HasExited.Should().BeFalse(controller.Output);
        ctx.Server.Get(ControllerTestContext.Group, "pushsecrets", Ns, "push")!["metadata"]!["finalizers"]![0]!.GetValue<string>().Should().Be(PushSecretReconciler.Finalizer);

        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ExternalSecret());
        await Eventually.TrueAsync(() => SecretValue(ctx, "round-trip") is not null || controller.HasExited, Wait, "the ExternalSecret reads the pushed value back");
        SecretValue(ctx, "round-trip").Should().Be(Value);

        ctx.Server.DeleteObject(ControllerTestContext.Group, "pushsecrets", Ns, "push");
        await Eventually.TrueAsync(() => ctx.Server.Get(ControllerTestContext.Group, "pushsecrets", Ns, "push") is null || controller.HasExited, Wait, "the finalizer is released after the remote delete");
        controller.HasExited.Should().BeFalse(controller.Output);
        controller.Output.Should().NotContain(Value);

        controller.Signal("TERM");
        (await controller.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0, controller.Output);
    }

    private static string? SecretValue(ControllerTestContext ctx, string name) =>
        ctx.Server.Get(string.Empty, "secrets", Ns, name)?["data"]?["password"]?.GetValue<string>() is { } b64
            ? Encoding.UTF8.GetString(Convert.FromBase64String(b64))
            : null;

    private static string? ReadyReason(ControllerTestContext ctx, string resource, string name) =>
        ctx.Server.Get(ControllerTestContext.Group, resource, Ns, name)?["status"]?["conditions"]?.AsArray()
            .FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["reason"]?.GetValue<string>();

    private static JsonObject Store() => new()
    {
        ["apiVersion"] = "external-secrets.io/v1",
        ["kind"] = "SecretStore",
        ["metadata"] = new JsonObject { ["name"] = "fake", ["generation"] = 1 },
        ["spec"] = new JsonObject { ["provider"] = new JsonObject { ["fake"] = new JsonObject { ["data"] = new JsonArray() } } },
    };

    private static JsonObject PushSecret() => new()
    {
        ["apiVersion"] = "external-secrets.io/v1alpha1",
        ["kind"] = "PushSecret",
        ["metadata"] = new JsonObject { ["name"] = "push", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["deletionPolicy"] = "Delete",
            ["secretStoreRefs"] = new JsonArray(new JsonObject { ["name"] = "fake", ["kind"] = "SecretStore" }),
            ["selector"] = new JsonObject { ["secret"] = new JsonObject { ["name"] = "source" } },
            ["data"] = new JsonArray(new JsonObject { ["match"] = new JsonObject { ["secretKey"] = "password", ["remoteRef"] = new JsonObject { ["remoteKey"] = "pushed/password" } } }),
        },
    };

    private static JsonObject ExternalSecret() => new()
    {
        ["apiVersion"] = "external-secrets.io/v1",
        ["kind"] = "ExternalSecret",
        ["metadata"] = new JsonObject { ["name"] = "reader", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["refreshInterval"] = "1h",
            ["secretStoreRef"] = new JsonObject { ["name"] = "fake", ["kind"] = "SecretStore" },
            ["target"] = new JsonObject { ["name"] = "round-trip" },
            ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "password", ["remoteRef"] = new JsonObject { ["key"] = "pushed/password" } }),
        },
    };
}
