using System.Text.Json.Nodes;
using Grpc.Core;
using CsiDriver.Hosting;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.Security;

/// <summary>
/// A pod reaches only what its own namespace holds: classes are looked up in the pod's namespace, the
/// local store is split by namespace, and the kubernetes provider reads with the pod's own token.
/// </summary>
public sealed class NamespaceIsolationTests
{
    [Theory]
    [InlineData("../team-a/db/password")]
    [InlineData("sub/../../team-a/db/password")]
    public async Task LocalStore_ClassInTeamB_CannotNameTeamAsFiles(string objectName)
    {
        await using var driver = await DriverFixture.StartAsync();
        WriteStore(driver, "team-a", "db/password", "team-a-secret-value");
        Directory.CreateDirectory(Path.Combine(driver.Options.LocalStoreRoot!, "team-b"));
        driver.WriteClass("thief", "local", $"- objectName: \"{objectName}\"\n  objectAlias: x", @namespace: "team-b");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath(), className: "thief", podNamespace: "team-b")));

        error.StatusCode.Should().Be(StatusCode.PermissionDenied);
        error.Message.Should().Contain("team-b/thief").And.NotContain("team-a-secret-value");
        Directory.Exists(driver.TargetPath()).Should().BeFalse();
    }

    [Fact]
    public async Task LocalStore_SameObjectNameInTwoNamespaces_EachPodReadsItsOwn()
    {
        await using var driver = await DriverFixture.StartAsync();
        WriteStore(driver, "team-a", "db/password", "a-value");
        WriteStore(driver, "team-b", "db/password", "b-value");
        driver.WriteClass("app", "local", "- objectName: db/password", @namespace: "team-a");
        driver.WriteClass("app", "local", "- objectName: db/password", @namespace: "team-b");

        await driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath("pod-a"), volumeId: "va", podNamespace: "team-a"));
        await driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath("pod-b"), volumeId: "vb", podNamespace: "team-b"));

        Volume.Read(driver.TargetPath("pod-a"), "db/password").Should().Be("a-value");
        Volume.Read(driver.TargetPath("pod-b"), "db/password").Should().Be("b-value");
    }

    [Fact]
    public async Task LocalStore_FileAtTheRootOnly_NotReadableByAnyNamespace()
    {
        await using var driver = await DriverFixture.StartAsync();
        File.WriteAllText(Path.Combine(driver.Options.LocalStoreRoot!, "shared"), "root-level-value");
        driver.WriteClass("app", "local", "- objectName: shared");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.NotFound);
        error.Message.Should().NotContain("root-level-value");
    }

    [Fact]
    public async Task LocalStore_NamespaceWithoutAFolder_NotFoundSayingWhereObjectsGo()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteClass("app", "local", "- objectName: a", @namespace: "team-c");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath(), podNamespace: "team-c")));

        error.StatusCode.Should().Be(StatusCode.NotFound);
        error.Message.Should().Contain("team-c/app").And.Contain("no folder for namespace team-c");
    }

    [Fact]
    public async Task LocalStore_NodeScope_EveryNamespaceReadsTheWholeRoot()
    {
        await using var driver = await DriverFixture.StartAsync(o => o.LocalStoreScope = "node");
        File.WriteAllText(Path.Combine(driver.Options.LocalStoreRoot!, "shared"), "node-wide");
        driver.WriteClass("app", "local", "- objectName: shared", @namespace: "team-b");

        await driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath(), podNamespace: "team-b"));

        Volume.Read(driver.TargetPath(), "shared").Should().Be("node-wide");
    }

    [Theory]
    [InlineData("--local-store-scope=namespace", "namespace")]
    [InlineData("--local-store-scope=node", "node")]
    public void LocalStoreScopeFlag_ParsesItsTwoValues(string arg, string expected) =>
        DriverFlags.Parse([arg]).LocalStoreScope.Should().Be(expected);

    [Fact]
    public void LocalStoreScopeFlag_DefaultsToNamespace_OtherValuesRejected()
    {
        new DriverOptions().LocalStoreScope.Should().Be("namespace");
        var act = () => DriverFlags.Parse(["--local-store-scope=everything"]);
        act.Should().Throw<ArgumentException>().WithMessage("*local-store-scope*namespace*node*");
    }

    [Fact]
    public async Task ApiClass_OnlyInAnotherNamespace_NotFound_AndOnlyThePodsNamespaceIsAsked()
    {
        await using var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);
        ctx.Server.Allow(KubeTestContext.DriverUser, DeployManifests.AsFakeRules(DeployManifests.RoleGrants("rbac/clusterrole.yaml", "secretproviderclasses-role")));
        ctx.Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", "team-a",
            FakeKubeApiServer.SecretProviderClass("app", "local", new Dictionary<string, string> { ["objects"] = "- objectName: a" }));
        await using var driver = await DriverFixture.StartAsync(o =>
        {
            o.SpcDir = null;
            o.Kubeconfig = ctx.KubeconfigPath;
        });

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath(), podNamespace: "team-b")));

        error.StatusCode.Should().Be(StatusCode.NotFound);
        error.Message.Should().Contain("team-b/app");
        ctx.Server.Requests.Where(r => r.Resource == "secretproviderclasses").Should().NotBeEmpty().And.OnlyContain(r => r.Namespace == "team-b");
    }

    [Fact]
    public async Task KubernetesProvider_ReadsOnlyInThePodsNamespace_WithThePodsToken()
    {
        const string token = "pod-token-isolation-1";
        const string user = "system:serviceaccount:team-b:app-sa";
        await using var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);
        ctx.Server.Allow(KubeTestContext.DriverUser, DeployManifests.AsFakeRules(DeployManifests.RoleGrants("rbac/clusterrole.yaml", "secretproviderclasses-role")));
        ctx.Server.AddToken(token, user);
        ctx.Server.Allow(user, new FakeRule("", "secrets", ["get"], "team-b"));
        ctx.Server.Put("", "secrets", "team-a", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["password"] = "team-a-only" }));
        ctx.Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", "team-b",
            FakeKubeApiServer.SecretProviderClass("app", "kubernetes", new Dictionary<string, string> { ["objects"] = "- objectName: db/password" }));
        await using var driver = await DriverFixture.StartAsync(o =>
        {
            o.SpcDir = null;
            o.Kubeconfig = ctx.KubeconfigPath;
        });
        var tokens = new JsonObject { [""] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = "2030-01-01T00:00:00Z" } }.ToJsonString();

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(
            driver.TargetPath(), podNamespace: "team-b", extraContext: new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = tokens })));

        error.StatusCode.Should().Be(StatusCode.NotFound, "team-b has no Secret db, and team-a's is never asked for");
        ctx.Server.Requests.Where(r => r.Resource == "secrets").Should().NotBeEmpty()
            .And.OnlyContain(r => r.Namespace == "team-b" && r.User == user);
    }

    private static void WriteStore(DriverFixture driver, string ns, string relative, string value)
    {
        var path = Path.Combine(driver.Options.LocalStoreRoot!, ns, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, value);
    }
}
