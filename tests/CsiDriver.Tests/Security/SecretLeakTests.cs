using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.Security;

/// <summary>
/// A full life cycle (publish, republish with new values, failed republishes, a denied publish, unpublish)
/// through the CSI socket in cluster mode with known secret values and tokens, then every place the driver
/// writes is searched for them: logs (verbosity 5), gRPC error texts, Events and SecretProviderClassPodStatus
/// objects in the API, /metrics, and the state dir.
/// </summary>
public sealed class SecretLeakTests
{
    private const string Namespace = "shop";
    private const string PodUser = "system:serviceaccount:shop:app-sa";
    private const string PodToken = "pod-token-LEAKCHECK-5c1e9a7d";
    private const string VaultToken = "vault-audience-token-LEAKCHECK-0b4f";
    private const string PublishSecret = "node-publish-secret-LEAKCHECK-77aa";
    private const string LocalV1 = "local-value-LEAKCHECK-v1-3f9c";
    private const string LocalV2 = "local-value-LEAKCHECK-v2-8d21";
    private const string KubeV1 = "kube-value-LEAKCHECK-v1-a6e0";
    private const string KubeV2 = "kube-value-LEAKCHECK-v2-19b7";

    private static readonly string[] Secrets = [PodToken, VaultToken, PublishSecret, LocalV1, LocalV2, KubeV1, KubeV2, KubeTestContext.DriverToken];

    [Fact]
    public async Task FullLifeCycle_NoSecretOrTokenInLogsErrorsEventsStatusMetricsOrState()
    {
        await using var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);
        ctx.Server.Allow(KubeTestContext.DriverUser, DeployManifests.AsFakeRules(DeployManifests.RoleGrants("rbac/clusterrole.yaml", "secretproviderclasses-role")));
        ctx.Server.AddToken(PodToken, PodUser);
        ctx.Server.Allow(PodUser, new FakeRule("", "secrets", ["get"], Namespace, ["db"]));
        ctx.Server.Put("", "secrets", Namespace, FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["password"] = KubeV1 }));
        ctx.Server.Put("", "secrets", Namespace, FakeKubeApiServer.Secret("other", new Dictionary<string, string> { ["password"] = KubeV2 }));
        PutClass(ctx, "local-app", "local", "- objectName: app/password\n- objectName: app/extra");
        PutClass(ctx, "kube-app", "kubernetes", "- objectName: db/password");
        PutClass(ctx, "kube-denied", "kubernetes", "- objectName: other/password");
        await using var driver = await DriverFixture.StartAsync(o =>
        {
            o.SpcDir = null;
            o.Kubeconfig = ctx.KubeconfigPath;
            o.LocalStoreScope = "namespace";
        });
        var store = Directory.CreateDirectory(Path.Combine(driver.Options.LocalStoreRoot!, Namespace, "app")).FullName;
        File.WriteAllText(Path.Combine(store, "password"), LocalV1);
        File.WriteAllText(Path.Combine(store, "extra"), LocalV1 + "-extra");
        var errors = new List<string>();
        var localTarget = driver.TargetPath("pod-local");
        var kubeTarget = driver.TargetPath("pod-kube");

        // Publish both, then republish with new values in both stores.
        await driver.Client.PublishAsync(Request(localTarget, "local-app", "v-local"));
        await driver.Client.PublishAsync(Request(kubeTarget, "kube-app", "v-kube"));
        File.WriteAllText(Path.Combine(store, "password"), LocalV2);
        ctx.Server.Put("", "secrets", Namespace, FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["password"] = KubeV2 }));
        await driver.Client.PublishAsync(Request(localTarget, "local-app", "v-local"));
        await driver.Client.PublishAsync(Request(kubeTarget, "kube-app", "v-kube"));
        Volume.Read(localTarget, "app/password").Should().Be(LocalV2);
        Volume.Read(kubeTarget, "db/password").Should().Be(KubeV2);

        // Failures: an object vanishes, the pod's token is revoked, a class names a Secret the pod may not read.
        File.Delete(Path.Combine(store, "extra"));
        errors.Add((await CsiClient.FailsAsync(() => driver.Client.PublishAsync(Request(localTarget, "local-app", "v-local")))).Message);
        ctx.Server.RemoveToken(PodToken);
        errors.Add((await CsiClient.FailsAsync(() => driver.Client.PublishAsync(Request(kubeTarget, "kube-app", "v-kube")))).Message);
        ctx.Server.AddToken(PodToken, PodUser);
        errors.Add((await CsiClient.FailsAsync(() => driver.Client.PublishAsync(Request(driver.TargetPath("pod-denied"), "kube-denied", "v-denied")))).Message);
        var midway = Snapshot(ctx, driver);

        await driver.Client.UnpublishAsync("v-local", localTarget);
        await driver.Client.UnpublishAsync("v-kube", kubeTarget);
        var end = Snapshot(ctx, driver);

        // The run did exercise each sink (so an empty sink cannot pass vacuously).
        ctx.Server.List("", "events", Namespace).Should().HaveCountGreaterThanOrEqualTo(3);
        midway.Should().ContainKey("status").WhoseValue.Should().Contain("kube-app");
        midway.Should().ContainKey("state").WhoseValue.Should().Contain("v-local");
        driver.Logs.Lines.Should().HaveCountGreaterThan(10);
        errors.Should().HaveCount(3);

        var sinks = new Dictionary<string, string>
        {
            ["logs"] = driver.Logs.AllText,
            ["grpc errors"] = string.Join('\n', errors),
            ["midway"] = string.Join('\n', midway.Values),
            ["end"] = string.Join('\n', end.Values),
        };
        foreach (var (sink, text) in sinks)
        {
            foreach (var secret in Secrets)
            {
                foreach (var form in Forms(secret))
                {
                    text.Should().NotContain(form, $"{sink} must not contain a secret or token ({secret[..12]}...)");
                }
            }
        }
    }

    /// <summary>The value as is, base64 (Secret data, JSON byte arrays) and JSON-escaped.</summary>
    private static IEnumerable<string> Forms(string secret) =>
        [secret, Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))[..16]];

    private static Dictionary<string, string> Snapshot(KubeTestContext ctx, DriverFixture driver)
    {
        using var http = new HttpClient { BaseAddress = driver.MetricsUri };
        return new Dictionary<string, string>
        {
            ["events"] = string.Join('\n', ctx.Server.List("", "events", Namespace).Select(e => e.ToJsonString())),
            ["status"] = string.Join('\n', ctx.Server.List(FakeKubeApiServer.SpcGroup, "secretproviderclasspodstatuses", Namespace).Select(e => e.ToJsonString())),
            ["metrics"] = http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).GetAwaiter().GetResult(),
            ["state"] = string.Join('\n', Directory.Exists(driver.StateDir)
                ? Directory.EnumerateFiles(driver.StateDir, "*", SearchOption.AllDirectories).Select(f => f + ":" + File.ReadAllText(f))
                : []),
        };
    }

    private static CsiDriver.Protos.Csi.V1.NodePublishVolumeRequest Request(string target, string className, string volumeId)
    {
        var tokens = new JsonObject
        {
            [""] = new JsonObject { ["token"] = PodToken, ["expirationTimestamp"] = "2030-01-01T00:00:00Z" },
            ["vault"] = new JsonObject { ["token"] = VaultToken, ["expirationTimestamp"] = "2030-01-01T00:00:00Z" },
        };
        var request = CsiClient.PublishRequest(target, className: className, volumeId: volumeId, podNamespace: Namespace, extraContext: new Dictionary<string, string>
        {
            ["csi.storage.k8s.io/serviceAccount.tokens"] = tokens.ToJsonString(),
        });
        request.Secrets.Add("password", PublishSecret);
        return request;
    }

    private static void PutClass(KubeTestContext ctx, string name, string provider, string objects) =>
        ctx.Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", Namespace,
            FakeKubeApiServer.SecretProviderClass(name, provider, new Dictionary<string, string> { ["objects"] = objects }));
}
