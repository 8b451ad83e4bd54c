using System.Net;
using CsiDriver.Publishing;
using CsiDriver.Spec;

namespace CsiDriver.Tests.Kubernetes;

public sealed class ApiSecretProviderClassSourceTests
{
    [Fact]
    public async Task Get_ClassInPodNamespace_ReturnsTheModel()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", "app",
            FakeKubeApiServer.SecretProviderClass("db-creds", "vault", new Dictionary<string, string> { ["roleName"] = "app", ["objects"] = "- objectName: x" }));
        var source = new ApiSecretProviderClassSource(ctx.Client);

        var spc = await source.GetAsync("app", "db-creds", CancellationToken.None);

        spc.Name.Should().Be("db-creds");
        spc.Namespace.Should().Be("app");
        spc.Provider.Should().Be("vault");
        spc.Parameters.Should().Contain("roleName", "app");
        spc.ResourceVersion.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Get_ClassInAnotherNamespace_IsNotFoundNamingClassAndNamespace()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", "other",
            FakeKubeApiServer.SecretProviderClass("db-creds", "vault", new Dictionary<string, string> { ["a"] = "b" }));
        var source = new ApiSecretProviderClassSource(ctx.Client);

        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => source.GetAsync("app", "db-creds", CancellationToken.None));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Reason.Should().Be("SecretProviderClassNotFound");
        ex.Message.Should().Contain("app/db-creds").And.Contain("namespace app");
    }

    [Fact]
    public async Task Get_DriverForbidden_IsPermissionDeniedWithTheApiMessage()
    {
        await using var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);
        var source = new ApiSecretProviderClassSource(ctx.Client);

        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => source.GetAsync("app", "db-creds", CancellationToken.None));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("app/db-creds").And.Contain("forbidden").And.Contain("ClusterRole");
        ex.Message.Should().NotContain(KubeTestContext.DriverToken);
    }

    [Fact]
    public async Task Get_ApiDown_IsUnavailableSoKubeletRetries()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.FailNext(r => r.Resource == "secretproviderclasses", 100, HttpStatusCode.InternalServerError);
        var source = new ApiSecretProviderClassSource(ctx.Client);

        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => source.GetAsync("app", "db-creds", CancellationToken.None));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("app/db-creds");
    }

    [Fact]
    public async Task Get_HostileClassName_IsInvalidConfiguration()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var source = new ApiSecretProviderClassSource(ctx.Client);

        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => source.GetAsync("app", "../../secrets/x", CancellationToken.None));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ctx.Server.Requests.Should().BeEmpty();
    }
}
