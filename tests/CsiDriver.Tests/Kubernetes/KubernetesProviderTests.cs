using System.Text;
using CsiDriver.Providers;
using CsiDriver.Providers.Kubernetes;
using CsiDriver.Publishing;
using CsiDriver.Spec;

namespace CsiDriver.Tests.Kubernetes;

public sealed class KubernetesProviderTests
{
    private const string PodToken = "pod-token-web-abcdef";
    private const string PodUser = "system:serviceaccount:app:web";

    private static ProviderRequest Request(string objects, string? audience = null, string tokenAudience = "")
    {
        var parameters = new Dictionary<string, string> { ["objects"] = objects };
        if (audience is not null)
        {
            parameters["audience"] = audience;
        }

        var tokens = ServiceAccountTokens.Parse(new System.Text.Json.Nodes.JsonObject
        {
            [tokenAudience] = new System.Text.Json.Nodes.JsonObject { ["token"] = PodToken, ["expirationTimestamp"] = "2030-01-01T00:00:00Z" },
        }.ToJsonString());
        return new ProviderRequest(
            new SecretProviderClass { Name = "app-secrets", Namespace = "app", Provider = "kubernetes", Parameters = parameters },
            parameters,
            new PodIdentity("web-0", "app", "uid-1", "web", tokens),
            new Dictionary<string, string>(),
            (UnixFileMode)Convert.ToInt32("644", 8),
            [],
            "/target");
    }

    private static async Task<KubeTestContext> StartAsync()
    {
        var ctx = await KubeTestContext.StartAsync();
        ctx.Server.AddToken(PodToken, PodUser);
        ctx.Server.Allow(PodUser, new FakeRule("", "secrets", ["get"], "app", ["db", "tls"]), new FakeRule("", "configmaps", ["get"], "app"));
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["username"] = "admin", ["password"] = "hunter2" }));
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("tls", new Dictionary<string, string> { ["tls.crt"] = "CERT", ["tls.key"] = "KEY" }));
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("admin-only", new Dictionary<string, string> { ["root"] = "topsecret" }));
        ctx.Server.Put("", "configmaps", "app", FakeKubeApiServer.ConfigMap("settings", new Dictionary<string, string> { ["app.yaml"] = "debug: true" }));
        return ctx;
    }

    private static string Text(SecretFile file) => Encoding.UTF8.GetString(file.Contents.Span);

    [Fact]
    public async Task Fetch_KeyedSecretAndConfigMap_ReadsAsThePodWithResourceVersions()
    {
        await using var ctx = await StartAsync();
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var result = await provider.FetchAsync(Request("""
            - objectName: db/password
              objectAlias: db-password
              filePermission: "0400"
            - objectName: db/username
            - objectName: settings/app.yaml
              objectType: configmap
            """), CancellationToken.None);

        result.Files.Select(f => f.Path).Should().Equal("db-password", "db/username", "settings/app.yaml");
        Text(result.Files[0]).Should().Be("hunter2");
        result.Files[0].Mode.Should().Be((UnixFileMode)Convert.ToInt32("400", 8));
        Text(result.Files[2]).Should().Be("debug: true");
        result.Versions.Select(v => v.Id).Should().Equal("secret/db/password", "secret/db/username", "configmap/settings/app.yaml");
        result.Versions[0].Version.Should().Be(ctx.Server.Get("", "secrets", "app", "db")!["metadata"]!["resourceVersion"]!.GetValue<string>());
        ctx.Server.Requests.Where(r => r.Resource is "secrets" or "configmaps").Should().OnlyContain(r => r.User == PodUser, "the pod's RBAC decides, not the driver's");
        ctx.Server.Requests.Count(r => r.Resource == "secrets").Should().Be(1, "one secret read serves both keys");
    }

    [Fact]
    public async Task Fetch_ThreeDistinctObjects_ReadsOverlap()
    {
        await using var ctx = await StartAsync();
        ctx.Server.Gate = new Infrastructure.ConcurrencyGate(3, TimeSpan.FromSeconds(5));
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var result = await provider.FetchAsync(Request("""
            - objectName: db/password
            - objectName: tls/tls.key
            - objectName: db/username
            - objectName: settings/app.yaml
              objectType: configmap
            """), CancellationToken.None);

        ctx.Server.Gate.MaxInFlight.Should().Be(3, "db, tls and settings are read together");
        ctx.Server.Requests.Count(r => r.Resource == "secrets" && r.Name == "db").Should().Be(1);
        result.Files.Select(Text).Should().Equal("hunter2", "KEY", "admin", "debug: true");
    }

    [Fact]
    public async Task Fetch_SecondAndThirdObjectsFail_ReportsSecondInObjectOrder()
    {
        await using var ctx = await StartAsync();
        ctx.Server.Gate = new Infrastructure.ConcurrencyGate(3, TimeSpan.FromSeconds(5));
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var act = () => provider.FetchAsync(Request("""
            - objectName: db/password
            - objectName: admin-only/root
            - objectName: absent/key
            """), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Message.Should().Contain("secret \"admin-only\"").And.NotContain("absent").And.NotContain("hunter2").And.NotContain("topsecret");
    }

    [Fact]
    public async Task Fetch_WholeSecret_WritesOneFilePerKeyUnderAliasOrName()
    {
        await using var ctx = await StartAsync();
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var result = await provider.FetchAsync(Request("""
            - objectName: tls
              objectAlias: certs
            - objectName: db
            """), CancellationToken.None);

        result.Files.Select(f => f.Path).Should().Equal("certs/tls.crt", "certs/tls.key", "db/password", "db/username");
        result.Versions.Select(v => v.Id).Should().Equal("secret/tls", "secret/db");
    }

    [Fact]
    public async Task Fetch_SecretThePodMayNotRead_IsPermissionDeniedAndNamesIt()
    {
        await using var ctx = await StartAsync();
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => provider.FetchAsync(Request("- objectName: admin-only/root"), CancellationToken.None));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("app/app-secrets").And.Contain("service account app/web").And.Contain("\"admin-only\"").And.Contain("forbidden");
        ex.Message.Should().NotContain(PodToken).And.NotContain("topsecret");
        ctx.Server.Requests.Should().Contain(r => r.User == PodUser && r.Name == "admin-only" && r.Status == 403);
    }

    [Fact]
    public async Task Fetch_MissingSecretOrKey_IsNotFoundListingOnlyKeyNames()
    {
        await using var ctx = await StartAsync();
        ctx.Server.Allow(PodUser, new FakeRule("", "secrets", ["get"], "app"));
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var missing = await Assert.ThrowsAsync<SecretStoreException>(() => provider.FetchAsync(Request("- objectName: nope/x"), CancellationToken.None));
        var noKey = await Assert.ThrowsAsync<SecretStoreException>(() => provider.FetchAsync(Request("- objectName: db/token"), CancellationToken.None));

        missing.Kind.Should().Be(FailureKind.NotFound);
        missing.Message.Should().Contain("secret \"nope\" in namespace app not found");
        noKey.Kind.Should().Be(FailureKind.NotFound);
        noKey.Message.Should().Contain("no key \"token\"").And.Contain("password, username").And.NotContain("hunter2");
    }

    [Fact]
    public async Task Fetch_NoTokenForTheAudience_SaysToAddTokenRequests()
    {
        await using var ctx = await StartAsync();
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => provider.FetchAsync(Request("- objectName: db/password", audience: "https://kubernetes.default.svc", tokenAudience: "vault"), CancellationToken.None));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("tokenRequests").And.Contain("https://kubernetes.default.svc").And.Contain("\"vault\"").And.NotContain(PodToken);
        ctx.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Fetch_ConfiguredAudience_UsesThatToken()
    {
        await using var ctx = await StartAsync();
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var result = await provider.FetchAsync(Request("- objectName: db/password", audience: "api", tokenAudience: "api"), CancellationToken.None);

        Text(result.Files.Single()).Should().Be("hunter2");
    }

    [Theory]
    [InlineData("- objectName: ../etc/passwd")]
    [InlineData("- objectName: db/../../x")]
    [InlineData("- objectName: db/")]
    [InlineData("- objectName: \"\"")]
    [InlineData("- objectName: db\n  objectType: pod")]
    [InlineData("- objectName: db/password\n  filePermission: \"999\"")]
    [InlineData("not: a list")]
    public async Task Fetch_MalformedObjects_AreInvalidConfigurationBeforeAnyRead(string objects)
    {
        await using var ctx = await StartAsync();
        var provider = new KubernetesProvider(ctx.Client, Infrastructure.TestMetrics.Create());

        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => provider.FetchAsync(Request(objects), CancellationToken.None));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("app/app-secrets");
        ctx.Server.Requests.Should().BeEmpty();
    }
}
