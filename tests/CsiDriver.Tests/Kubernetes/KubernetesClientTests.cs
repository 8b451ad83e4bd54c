using System.Net;
using System.Text.Json.Nodes;
using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Kubernetes;

public sealed class KubernetesClientTests
{
    private static bool IsSecretGet(FakeRequest r) => r.Resource == "secrets" && r.Verb == "get";

    [Fact]
    public async Task Get_WithDriverToken_ReturnsTypedObjectOverVerifiedTls()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["password"] = "s3cret" }));

        var secret = await ctx.Client.GetSecretAsync("app", "db", CancellationToken.None);

        secret.Data!["password"].Should().Equal("s3cret"u8.ToArray());
        secret.Metadata!.ResourceVersion.Should().NotBeNullOrEmpty();
        ctx.Server.Requests.Should().ContainSingle(r => r.User == KubeTestContext.DriverUser && IsSecretGet(r));
    }

    [Fact]
    public async Task Get_NotFound_IsTypedWithTheApiStatusMessage()
    {
        await using var ctx = await KubeTestContext.StartAsync();

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.GetSecretAsync("app", "missing", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.NotFound);
        ex.StatusCode.Should().Be(HttpStatusCode.NotFound);
        ex.Reason.Should().Be("NotFound");
        ex.ApiMessage.Should().Be("secrets \"missing\" not found");
        ex.Message.Should().Contain("get secrets app/missing");
    }

    [Fact]
    public async Task Get_WithoutPermission_IsForbiddenAndNeverRetried()
    {
        await using var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.GetSecretAsync("app", "db", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.Forbidden);
        ex.ApiMessage.Should().Contain("cannot get resource \"secrets\"");
        ctx.Server.Requests.Should().ContainSingle();
        ex.Message.Should().NotContain(KubeTestContext.DriverToken);
    }

    [Fact]
    public async Task Get_WithUnknownToken_IsUnauthorized()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var asStranger = ctx.Client.AsPod("not-a-known-token");

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => asStranger.GetSecretAsync("app", "db", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.Unauthorized);
        ex.Message.Should().NotContain("not-a-known-token");
    }

    [Fact]
    public async Task Get_429WithRetryAfter_WaitsThatLongThenSucceeds()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["k"] = "v" }));
        ctx.Server.FailNext(IsSecretGet, 2, HttpStatusCode.TooManyRequests, retryAfterSeconds: 3, reason: "TooManyRequests");

        var secret = await ctx.Client.GetSecretAsync("app", "db", CancellationToken.None);

        secret.Metadata!.Name.Should().Be("db");
        ctx.Time.Delays.Should().Equal(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3));
        ctx.Server.Requests.Count(IsSecretGet).Should().Be(3);
    }

    [Fact]
    public async Task Get_RetryAfterLongerThanCap_IsCapped()
    {
        var options = KubeTestContext.FastOptions();
        options.Retry = options.Retry with { MaxRetryAfter = TimeSpan.FromSeconds(2) };
        await using var ctx = await KubeTestContext.StartAsync(options);
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["k"] = "v" }));
        ctx.Server.FailNext(IsSecretGet, 1, HttpStatusCode.TooManyRequests, retryAfterSeconds: 3600);

        await ctx.Client.GetSecretAsync("app", "db", CancellationToken.None);

        ctx.Time.Delays.Should().Equal(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Get_Persistent5xx_RetriesBoundedWithGrowingBackoffThenFails()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        ctx.Server.FailNext(IsSecretGet, 100, HttpStatusCode.ServiceUnavailable);

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.GetSecretAsync("app", "db", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.ServerError);
        ex.IsTransient.Should().BeTrue();
        ctx.Server.Requests.Count(IsSecretGet).Should().Be(4);

        // Jitter is fixed at the midpoint here, so the waits are exactly base * 2^n.
        ctx.Time.Delays.Should().Equal(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task Get_ServerHangs_TimesOutClientSide()
    {
        var options = KubeTestContext.FastOptions();
        options.RequestTimeout = TimeSpan.FromMilliseconds(300);
        options.Retry = options.Retry with { MaxAttempts = 2 };
        await using var ctx = await KubeTestContext.StartAsync(options);
        ctx.Server.HangNext(IsSecretGet, 10);

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.GetSecretAsync("app", "db", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.Timeout);
        ctx.Server.Requests.Count(IsSecretGet).Should().Be(2);
    }

    [Fact]
    public async Task Connect_ServerCertificateFromAnotherCa_IsRefused()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var otherCa = TestPki.CreateCa("someone-else");
        var kubeconfig = KubeTestContext.WriteKubeconfig(
            ctx.Directory, ctx.Server, $"token: {KubeTestContext.DriverToken}", "wrong-ca",
            caYaml: $"certificate-authority-data: {KubeTestContext.Base64(TestPki.CertificatePem(otherCa))}");
        using var api = new KubernetesApi(KubeconfigLoader.Load(kubeconfig, TimeProvider.System), KubeTestContext.FastOptions(), ctx.Time, () => 0.5, NullLogger.Instance);

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => api.Client.GetSecretAsync("app", "db", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.Unreachable);
        ex.Message.Should().Contain("TLS");
        ctx.Server.Requests.Should().BeEmpty("the token must never reach an unverified server");
    }

    [Fact]
    public async Task ClientCertificate_AuthenticatesAsItsCommonName()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var cert = TestPki.IssueClient(ctx.Server.ClientCertificateAuthority, "admin-user");
        ctx.Server.Allow("admin-user", new FakeRule("", "secrets", ["get"]));
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["k"] = "v" }));
        var kubeconfig = KubeTestContext.WriteKubeconfig(
            ctx.Directory, ctx.Server,
            $"client-certificate-data: {KubeTestContext.Base64(TestPki.CertificatePem(cert))}\nclient-key-data: {KubeTestContext.Base64(TestPki.KeyPem(cert))}",
            "cert-config");
        using var api = new KubernetesApi(KubeconfigLoader.Load(kubeconfig, TimeProvider.System), KubeTestContext.FastOptions(), ctx.Time, () => 0.5, NullLogger.Instance);

        await api.Client.GetSecretAsync("app", "db", CancellationToken.None);

        ctx.Server.Requests.Should().ContainSingle(r => r.User == "admin-user" && r.Status == 200);
    }

    [Fact]
    public async Task AsPod_OnACertificateConnection_DoesNotPresentTheDriversCertificate()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var cert = TestPki.IssueClient(ctx.Server.ClientCertificateAuthority, "driver-by-cert");
        ctx.Server.Allow("driver-by-cert", new FakeRule("", "secrets", ["get"]));
        var kubeconfig = KubeTestContext.WriteKubeconfig(
            ctx.Directory, ctx.Server,
            $"client-certificate-data: {KubeTestContext.Base64(TestPki.CertificatePem(cert))}\nclient-key-data: {KubeTestContext.Base64(TestPki.KeyPem(cert))}",
            "cert-config");
        using var api = new KubernetesApi(KubeconfigLoader.Load(kubeconfig, TimeProvider.System), KubeTestContext.FastOptions(), ctx.Time, () => 0.5, NullLogger.Instance);

        // A token the server does not know: if the certificate went along, the call would pass as the driver.
        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => api.Client.AsPod("unknown-pod-token").GetSecretAsync("app", "db", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.Unauthorized);
    }

    [Fact]
    public async Task TokenFile_RotatedMidTest_IsReReadAndTheOldTokenNoLongerUsed()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var tokenPath = ctx.Directory.Combine("sa-token");
        File.WriteAllText(tokenPath, "projected-token-1\n");
        ctx.Server.AddToken("projected-token-1", "rotating-user");
        ctx.Server.Allow("rotating-user", new FakeRule("", "secrets", ["get"]));
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("db", new Dictionary<string, string> { ["k"] = "v" }));
        var kubeconfig = KubeTestContext.WriteKubeconfig(ctx.Directory, ctx.Server, $"tokenFile: {tokenPath}", "file-config");
        using var api = new KubernetesApi(KubeconfigLoader.Load(kubeconfig, TimeProvider.System), KubeTestContext.FastOptions(), ctx.Time, () => 0.5, NullLogger.Instance);
        await api.Client.GetSecretAsync("app", "db", CancellationToken.None);

        // kubelet rotates the projected token; the API server stops accepting the old one.
        File.WriteAllText(tokenPath, "projected-token-2-longer\n");
        ctx.Server.RemoveToken("projected-token-1");
        ctx.Server.AddToken("projected-token-2-longer", "rotating-user");

        await api.Client.GetSecretAsync("app", "db", CancellationToken.None);

        ctx.Server.Requests.Where(r => r.User == "rotating-user").Should().HaveCount(2).And.OnlyContain(r => r.Status == 200);
    }

    [Fact]
    public async Task Update_StaleResourceVersion_Is409AndRetryOnConflictReappliesOnFreshCopy()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        await ctx.Client.CreatePodStatusAsync(PodStatus("web-0-app-db", "v1"), CancellationToken.None);
        var stale = await ctx.Client.GetPodStatusAsync("app", "web-0-app-db", CancellationToken.None);
        var other = await ctx.Client.GetPodStatusAsync("app", "web-0-app-db", CancellationToken.None);
        other.Metadata!.Labels = new() { ["x"] = "1" };
        await ctx.Client.UpdatePodStatusAsync(other, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.UpdatePodStatusAsync(stale, CancellationToken.None));
        ex.IsStaleUpdate.Should().BeTrue();

        var first = true;
        var updated = await ctx.Client.RetryOnConflictAsync(
            async ct =>
            {
                var s = first ? stale : await ctx.Client.GetPodStatusAsync("app", "web-0-app-db", ct);
                first = false;
                return await ctx.Client.UpdatePodStatusAsync(s with { Status = s.Status! with { Objects = [new SecretProviderClassObject("a", "v2")] } }, ct);
            },
            "test update",
            CancellationToken.None);

        updated!.Status!.Objects!.Single().Version.Should().Be("v2");
        updated.Metadata!.Labels.Should().ContainKey("x", "the other writer's change survives");
        ctx.Server.Requests.Count(r => r.Resource == "secretproviderclasspodstatuses" && r.Verb == "update" && r.Status == 409).Should().Be(2);
    }

    [Fact]
    public async Task Create_Existing_IsAlreadyExistsConflict()
    {
        await using var ctx = await KubeTestContext.StartAsync();
        var secret = new KubeSecret { Metadata = new KubeObjectMeta { Name = "db", Namespace = "app" }, Data = new() { ["k"] = [1] } };
        await ctx.Client.CreateSecretAsync(secret, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.CreateSecretAsync(secret, CancellationToken.None));

        ex.IsAlreadyExists.Should().BeTrue();
        ex.IsStaleUpdate.Should().BeFalse();
    }

    private static KubeSecretProviderClassPodStatus PodStatus(string name, string version) => new()
    {
        Metadata = new KubeObjectMeta { Name = name, Namespace = "app" },
        Status = new SecretProviderClassPodStatusBody { PodName = "web-0", Objects = [new SecretProviderClassObject { Id = "a", Version = version }] },
    };

    [Theory]
    [InlineData("..")]
    [InlineData("../secrets")]
    [InlineData("a/b")]
    [InlineData("UPPER")]
    [InlineData("")]
    public async Task HostileNames_AreRefusedBeforeAnyRequest(string name)
    {
        await using var ctx = await KubeTestContext.StartAsync();

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.GetSecretAsync("app", name, CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.BadRequest);
        ctx.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Response_OverTheLimit_IsRefused()
    {
        var options = KubeTestContext.FastOptions();
        options.MaxResponseBytes = 4096;
        await using var ctx = await KubeTestContext.StartAsync(options);
        ctx.Server.Put("", "secrets", "app", FakeKubeApiServer.Secret("big", new Dictionary<string, string> { ["k"] = new string('x', 10_000) }));

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => ctx.Client.GetSecretAsync("app", "big", CancellationToken.None));

        ex.Kind.Should().Be(KubernetesErrorKind.BadResponse);
        ex.Message.Should().NotContain("xxxx");
    }
}
