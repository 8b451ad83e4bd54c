using System.Text.Json.Nodes;
using Grpc.Core;
using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Kubernetes;

/// <summary>
/// The real driver on its CSI socket in cluster mode (no --spc-dir; --kubeconfig to the loopback API server),
/// with the driver's permissions taken from deploy/rbac, so the shipped RBAC is proven sufficient.
/// </summary>
public sealed class ClusterModeEndToEndTests
{
    private const string PodToken = "e2e-pod-token-xyz";
    private const string PodUser = "system:serviceaccount:shop:app-sa";
    private const string StatusResource = "secretproviderclasspodstatuses";

    private static async Task<(KubeTestContext Ctx, DriverFixture Driver)> StartAsync()
    {
        var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);
        ctx.Server.Allow(KubeTestContext.DriverUser, DeployManifests.AsFakeRules(DeployManifests.RoleGrants("rbac/clusterrole.yaml", "secretproviderclasses-role")));
        ctx.Server.AddToken(PodToken, PodUser);
        ctx.Server.Allow(PodUser, new FakeRule("", "secrets", ["get"], "shop", ["db"]));
        ctx.Server.Put("", "secrets", "shop", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["password"] = "hunter2", ["user"] = "shop" }));
        ctx.Server.Put("", "secrets", "shop", FakeKubeApiServer.Secret("other", new Dictionary<string, string> { ["x"] = "y" }));
        ctx.Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", "shop",
            FakeKubeApiServer.SecretProviderClass("db", "kubernetes", new Dictionary<string, string> { ["objects"] = "- objectName: db/password\n- objectName: db/user\n  objectAlias: username" }));
        ctx.Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", "shop",
            FakeKubeApiServer.SecretProviderClass("forbidden", "kubernetes", new Dictionary<string, string> { ["objects"] = "- objectName: other/x" }));
        var driver = await DriverFixture.StartAsync(o =>
        {
            o.SpcDir = null;
            o.Kubeconfig = ctx.KubeconfigPath;
        });
        return (ctx, driver);
    }

    private static Dictionary<string, string> Tokens() => new()
    {
        ["csi.storage.k8s.io/serviceAccount.tokens"] = new JsonObject { [""] = new JsonObject { ["token"] = PodToken, ["expirationTimestamp"] = "2030-01-01T00:00:00Z" } }.ToJsonString(),
    };

    [Fact]
    public async Task Publish_ClassFromApi_FilesWrittenAsPod_StatusCreated_UnpublishDeletesStatus()
    {
        var (ctx, driver) = await StartAsync();
        await using var _ = ctx;
        await using var __ = driver;
        var target = driver.TargetPath();

        await driver.Client.PublishAsync(CsiClient.PublishRequest(target, className: "db", podNamespace: "shop", extraContext: Tokens()));

        Volume.Read(target, "db/password").Should().Be("hunter2");
        Volume.Read(target, "username").Should().Be("shop");
        var status = ctx.Server.Get(FakeKubeApiServer.SpcGroup, StatusResource, "shop", "app-pod-shop-db")!;
        status["status"]!["mounted"]!.GetValue<bool>().Should().BeTrue();
        status["status"]!["targetPath"]!.GetValue<string>().Should().Be(target);
        status["status"]!["objects"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()).Should().Equal("secret/db/password", "secret/db/user");
        status["metadata"]!["labels"]![PodStatusWriter.NodeLabel]!.GetValue<string>().Should().Be("test-node");
        status["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>().Should().Be("pod-1");
        ctx.Server.Requests.Where(r => r.Resource == "secrets").Should().OnlyContain(r => r.User == PodUser);
        ctx.Server.Requests.Should().NotContain(r => r.Status == 403, "the shipped ClusterRole covers every call the driver made");

        // A republish with nothing new writes no status.
        var before = ctx.Server.Requests.Count(r => r.Resource == StatusResource);
        await driver.Client.PublishAsync(CsiClient.PublishRequest(target, className: "db", podNamespace: "shop", extraContext: Tokens()));
        ctx.Server.Requests.Count(r => r.Resource == StatusResource).Should().Be(before);

        await driver.Client.UnpublishAsync("csi-vol-1", target);

        ctx.Server.Get(FakeKubeApiServer.SpcGroup, StatusResource, "shop", "app-pod-shop-db").Should().BeNull();
        Directory.Exists(target).Should().BeFalse();
        driver.Logs.AllText.Should().NotContain(PodToken).And.NotContain(KubeTestContext.DriverToken).And.NotContain("hunter2");
    }

    [Fact]
    public async Task Publish_ClassMissing_IsNotFoundAndAWarningEventOnThePod()
    {
        var (ctx, driver) = await StartAsync();
        await using var _ = ctx;
        await using var __ = driver;
        var target = driver.TargetPath();

        var ex = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target, className: "nope", podNamespace: "shop", extraContext: Tokens())));

        ex.StatusCode.Should().Be(StatusCode.NotFound);
        ex.Message.Should().Contain("shop/nope");
        var ev = ctx.Server.List("", "events", "shop").Should().ContainSingle().Subject;
        ev["type"]!.GetValue<string>().Should().Be("Warning");
        ev["reason"]!.GetValue<string>().Should().Be("SecretProviderClassNotFound");
        ev["message"]!.GetValue<string>().Should().Contain("shop/nope");
        ev["involvedObject"]!["name"]!.GetValue<string>().Should().Be("app-pod");
        ctx.Server.List(FakeKubeApiServer.SpcGroup, StatusResource, "shop").Should().BeEmpty();
        Directory.Exists(target).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_PodMayNotReadTheSecret_IsPermissionDeniedWithEventAndNoFiles()
    {
        var (ctx, driver) = await StartAsync();
        await using var _ = ctx;
        await using var __ = driver;
        var target = driver.TargetPath();

        var ex = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target, className: "forbidden", podNamespace: "shop", extraContext: Tokens())));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Message.Should().Contain("shop/forbidden").And.Contain("\"other\"").And.NotContain(PodToken);
        ctx.Server.List("", "events", "shop").Should().ContainSingle().Which["message"]!.GetValue<string>().Should().Contain("may not get secret");
        Directory.Exists(target).Should().BeFalse();
    }
}
