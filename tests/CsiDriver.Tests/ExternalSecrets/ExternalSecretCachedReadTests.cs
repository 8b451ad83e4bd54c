using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Hosting;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>
/// The controller in process against the loopback API server: a refresh of an ExternalSecret the informer has seen no
/// change to reads it from the copy kept, not with a GET; a change the informer sees is read anew and acted on.
/// </summary>
public sealed class ExternalSecretCachedReadTests
{
    private const string Ns = "apps";

    [Fact]
    public async Task Refresh_ExternalSecretUnchanged_NoGetOfIt_EditedSpec_ReadAgainAndApplied()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "secretstores", Ns, Store());
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, ExternalSecret("db/password"));
        var logs = new CapturingLoggerProvider();
        await using var host = await StartAsync(ctx, logs);
        await Eventually.TrueAsync(() => SecretValue(ctx) == "first", ControllerTestContext.Wait, "the first sync writes the Secret: " + logs.AllText);

        // Every refresh reads the target Secret (its data is never cached), so its GETs count the reconciles.
        await Eventually.TrueAsync(() => Gets(ctx, "secrets", "db-credentials") >= 3, ControllerTestContext.Wait, "refreshes follow the 1s interval");
        var externalSecretGets = Gets(ctx, "externalsecrets", "db");
        var refreshes = Gets(ctx, "secrets", "db-credentials");
        await Eventually.TrueAsync(() => Gets(ctx, "secrets", "db-credentials") >= refreshes + 3, ControllerTestContext.Wait, "three more refreshes");
        Gets(ctx, "externalsecrets", "db").Should().Be(externalSecretGets, "an ExternalSecret the informer saw no change to is not read again");

        // A spec edit as the API server stores it: the informer's resourceVersion moves, so the copy kept is not used.
        var es = ctx.Server.Get(ControllerTestContext.Group, "externalsecrets", Ns, "db")!;
        es["spec"] = ExternalSecret("db/other")["spec"]!.DeepClone();
        es["metadata"]!["generation"] = 2;
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", Ns, es);

        await Eventually.TrueAsync(() => SecretValue(ctx) == "second", ControllerTestContext.Wait, "the edited spec reaches the Secret");
        Gets(ctx, "externalsecrets", "db").Should().BeGreaterThan(externalSecretGets);
    }

    private static readonly ControllerOptions Options = new() { MetricsAddr = "127.0.0.1:0", LeaderElect = false, ShutdownTimeout = TimeSpan.FromSeconds(5) };

    private static int Gets(ControllerTestContext ctx, string resource, string name) =>
        ctx.Server.Requests.Count(r => r.Verb == "get" && r.Resource == resource && r.Namespace == Ns && r.Name == name);

    private static async Task<ControllerHost> StartAsync(ControllerTestContext ctx, CapturingLoggerProvider logs) =>
        await ControllerHost.StartAsync(
            Options,
            ctx.Connect(),
            logging => logging.ClearProviders().AddProvider(logs),
            services => services.AddExternalSecretsReconciliation(Options));

    private static string? SecretValue(ControllerTestContext ctx) =>
        ctx.Server.Get(string.Empty, "secrets", Ns, "db-credentials")?["data"]?["password"]?.GetValue<string>() is { } b64
            ? Encoding.UTF8.GetString(Convert.FromBase64String(b64))
            : null;

    private static JsonObject Store() => new()
    {
        ["apiVersion"] = "external-secrets.io/v1",
        ["kind"] = "SecretStore",
        ["metadata"] = new JsonObject { ["name"] = "fake", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["provider"] = new JsonObject
            {
                ["fake"] = new JsonObject
                {
                    ["data"] = new JsonArray(
                        new JsonObject { ["key"] = "db/password", ["value"] = "first" },
                        new JsonObject { ["key"] = "db/other", ["value"] = "second" }),
                },
            },
        },
    };

    private static JsonObject ExternalSecret(string remoteKey) => new()
    {
        ["apiVersion"] = "external-secrets.io/v1",
        ["kind"] = "ExternalSecret",
        ["metadata"] = new JsonObject { ["name"] = "db", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["refreshInterval"] = "1s",
            ["secretStoreRef"] = new JsonObject { ["name"] = "fake", ["kind"] = "SecretStore" },
            ["target"] = new JsonObject { ["name"] = "db-credentials" },
            ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "password", ["remoteRef"] = new JsonObject { ["key"] = remoteKey } }),
        },
    };
}
