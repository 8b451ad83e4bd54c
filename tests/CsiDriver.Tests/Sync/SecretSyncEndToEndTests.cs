using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.Sync;

/// <summary>spec.secretObjects through the CSI socket: the real driver, the loopback API server, the shipped RBAC.</summary>
public sealed class SecretSyncEndToEndTests
{
    private const string Password = "s3cr3t-Pa55w0rd-value";
    private const string User = "shop-admin-user";
    private const string Objects = "- objectName: db/password\n- objectName: db/user\n  objectAlias: username";

    private static async Task<SyncTestBed> StartWithDbAsync(bool syncRole = true)
    {
        var bed = await SyncTestBed.StartAsync(syncRole);
        bed.Driver.WriteStoreFile("db/password", Password);
        bed.Driver.WriteStoreFile("db/user", User);
        return bed;
    }

    [Fact]
    public async Task Publish_SecretObjects_SecretExistsTypedLabelledAndOwnedWhenPublishReturns()
    {
        await using var bed = await StartWithDbAsync();
        var opaque = SyncTestBed.SecretObject("db-env", null, ("db/password", "PASSWORD"), ("username", "USER"));
        opaque["labels"] = new JsonObject { ["app"] = "shop" };
        opaque["annotations"] = new JsonObject { ["team"] = "payments" };
        bed.PutClass("db", Objects, opaque, SyncTestBed.SecretObject("db-basic", "kubernetes.io/basic-auth", ("username", "username"), ("db/password", "password")));

        var target = await bed.PublishAsync("db");

        // No waiting: the Secret must exist when NodePublishVolume returns, so env secretKeyRef resolves.
        var secret = bed.Secret("db-env")!;
        secret["type"]!.GetValue<string>().Should().Be("Opaque");
        SyncTestBed.Value(secret, "PASSWORD").Should().Be(Password);
        SyncTestBed.Value(secret, "USER").Should().Be(User);
        secret["metadata"]!["labels"]!["app"]!.GetValue<string>().Should().Be("shop");
        secret["metadata"]!["labels"]!["secrets-store.csi.k8s.io/managed"]!.GetValue<string>().Should().Be("true");
        secret["metadata"]!["annotations"]!["team"]!.GetValue<string>().Should().Be("payments");
        var status = bed.Status("app-pod", "db")!;
        var owner = secret["metadata"]!["ownerReferences"]!.AsArray().Should().ContainSingle().Subject!;
        owner["apiVersion"]!.GetValue<string>().Should().Be("secrets-store.csi.x-k8s.io/v1");
        owner["kind"]!.GetValue<string>().Should().Be("SecretProviderClassPodStatus");
        owner["name"]!.GetValue<string>().Should().Be("app-pod-shop-db");
        owner["uid"]!.GetValue<string>().Should().Be(status["metadata"]!["uid"]!.GetValue<string>());

        var basic = bed.Secret("db-basic")!;
        basic["type"]!.GetValue<string>().Should().Be("kubernetes.io/basic-auth");
        SyncTestBed.Value(basic, "username").Should().Be(User);

        Volume.Read(target, "db/password").Should().Be(Password);
        bed.Server.Requests.Should().NotContain(r => r.Status == 403, "the shipped roles cover every sync call");
        bed.Events().Should().BeEmpty("upstream emits no event for a successful first sync");
        bed.ShouldNotLeak(Password, User);
    }

    [Fact]
    public async Task Republish_Unchanged_NoSecretApiCall_SourceChanged_SecretUpdatedWithNormalEvent()
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", null, ("db/password", "PASSWORD")));
        await bed.PublishAsync("db");
        bed.SecretWrites.Should().Be(1);
        var calls = bed.SecretCalls;

        await bed.PublishAsync("db");

        bed.SecretCalls.Should().Be(calls, "nothing changed, and the last write is recent");

        bed.Driver.WriteStoreFile("db/password", "rotated-" + Password);
        await bed.PublishAsync("db");

        SyncTestBed.Value(bed.Secret("db-env")!, "PASSWORD").Should().Be("rotated-" + Password);
        bed.SecretWrites.Should().Be(2);
        bed.Server.Requests.Last(r => r.Resource == "secrets").Verb.Should().Be("patch");
        var ev = bed.Events("SecretRotationComplete").Should().ContainSingle().Subject;
        ev["type"]!.GetValue<string>().Should().Be("Normal");
        ev["message"]!.GetValue<string>().Should().Be("successfully rotated K8s secret db-env");
        bed.ShouldNotLeak(Password);
    }

    [Fact]
    public async Task RestartedDriver_SecretAlreadyCurrent_IsReadButNotRewritten()
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", null, ("db/password", "PASSWORD")));
        await bed.PublishAsync("db");

        await bed.Driver.RestartAsync();
        await bed.PublishAsync("db");

        bed.SecretWrites.Should().Be(1, "the Secret already holds the data; only a read was needed");
    }

    [Fact]
    public async Task ExistingSecretNotOurs_IsLeftAlone_MountSucceeds_WarningEvent()
    {
        await using var bed = await StartWithDbAsync();
        bed.Server.Put("", "secrets", SyncTestBed.Ns, FakeKubeApiServer.Secret("db-env", new Dictionary<string, string> { ["PASSWORD"] = "hand-made" }));
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", null, ("db/password", "PASSWORD")));

        var target = await bed.PublishAsync("db");

        Volume.Read(target, "db/password").Should().Be(Password);
        var secret = bed.Secret("db-env")!;
        SyncTestBed.Value(secret, "PASSWORD").Should().Be("hand-made");
        secret["metadata"]!.AsObject().ContainsKey("ownerReferences").Should().BeFalse();
        bed.SecretWrites.Should().Be(0);
        var ev = bed.Events("FailedToCreateSecret").Should().ContainSingle().Subject;
        ev["type"]!.GetValue<string>().Should().Be("Warning");
        ev["message"]!.GetValue<string>().Should().Contain("shop/db").And.Contain("db-env").And.Contain("not managed by the driver");
        bed.Driver.Logs.Lines.Should().Contain(l => l.Contains("[753]", StringComparison.Ordinal) && l.Contains("shop/db-env", StringComparison.Ordinal));
        bed.ShouldNotLeak(Password, "hand-made");
    }

    [Fact]
    public async Task TwoPodsShareOneSecret_EachPodStatusIsAnOwner()
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", null, ("db/password", "PASSWORD")));

        await bed.PublishAsync("db", pod: "web-a", podUid: "uid-a", volumeId: "vol-a");
        await bed.PublishAsync("db", pod: "web-b", podUid: "uid-b", volumeId: "vol-b");

        var owners = bed.Secret("db-env")!["metadata"]!["ownerReferences"]!.AsArray();
        owners.Select(o => o!["name"]!.GetValue<string>()).Should().BeEquivalentTo("web-a-shop-db", "web-b-shop-db");
        owners.Select(o => o!["uid"]!.GetValue<string>()).Should().BeEquivalentTo(
            bed.Status("web-a", "db")!["metadata"]!["uid"]!.GetValue<string>(),
            bed.Status("web-b", "db")!["metadata"]!["uid"]!.GetValue<string>());
        bed.Server.Requests.Count(r => r.Resource == "secrets" && r.Verb == "create").Should().Be(1);

        // Pod a goes away: its status is deleted (the garbage collector then drops it as an owner); b still owns the Secret.
        await bed.Driver.Client.UnpublishAsync("vol-a", bed.Driver.TargetPath("uid-a"));
        bed.Status("web-a", "db").Should().BeNull();
        bed.Status("web-b", "db").Should().NotBeNull();
    }

    [Fact]
    public async Task ConcurrentWriterBetweenReadAndPatch_IsRetriedOnAFreshCopy()
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", null, ("db/password", "PASSWORD")));
        await bed.PublishAsync("db");
        bed.Driver.WriteStoreFile("db/password", "v2");
        bed.Server.FailNext(r => r.Resource == "secrets" && r.Verb == "patch", 1, HttpStatusCode.Conflict, reason: "Conflict");

        await bed.PublishAsync("db");

        SyncTestBed.Value(bed.Secret("db-env")!, "PASSWORD").Should().Be("v2");
        bed.Events("FailedToCreateSecret").Should().BeEmpty();
    }

    [Fact]
    public async Task TlsSecretMissingTlsKey_IsRefusedBeforeAnyWrite_WithWarningEvent()
    {
        await using var bed = await SyncTestBed.StartAsync();
        var (bundle, _, _) = TlsBundle();
        bed.Driver.WriteStoreFile("certs/web.pem", bundle);
        bed.PutClass("web", "- objectName: certs/web.pem", SyncTestBed.SecretObject("web-tls", "kubernetes.io/tls", ("certs/web.pem", "tls.crt")));

        var target = await bed.PublishAsync("web");

        File.Exists(Path.Combine(target, "certs/web.pem")).Should().BeTrue();
        bed.Secret("web-tls").Should().BeNull();
        bed.Server.Requests.Should().NotContain(r => r.Resource == "secrets" && r.Verb == "create");
        var message = bed.Events("FailedToCreateSecret").Should().ContainSingle().Subject["message"]!.GetValue<string>();
        message.Should().Contain("shop/web").And.Contain("web-tls").And.Contain("tls.key");
        bed.ShouldNotLeak("PRIVATE KEY", "CERTIFICATE");
    }

    [Fact]
    public async Task TlsSecretFromOnePemBundle_SplitsIntoCertificatesAndPkcs1Key()
    {
        await using var bed = await SyncTestBed.StartAsync();
        var (bundle, certificate, modulus) = TlsBundle();
        bed.Driver.WriteStoreFile("certs/web.pem", bundle);
        bed.PutClass("web", "- objectName: certs/web.pem",
            SyncTestBed.SecretObject("web-tls", "kubernetes.io/tls", ("certs/web.pem", "tls.crt"), ("certs/web.pem", "tls.key")));

        await bed.PublishAsync("web");

        var secret = bed.Secret("web-tls")!;
        secret["type"]!.GetValue<string>().Should().Be("kubernetes.io/tls");
        var crt = SyncTestBed.Value(secret, "tls.crt");
        crt.Should().StartWith("-----BEGIN CERTIFICATE-----").And.NotContain("PRIVATE KEY");
        X509Certificate2.CreateFromPem(crt).Thumbprint.Should().Be(certificate.Thumbprint);
        var key = SyncTestBed.Value(secret, "tls.key");
        key.Should().StartWith("-----BEGIN RSA PRIVATE KEY-----").And.NotContain("CERTIFICATE");
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key);
        rsa.ExportParameters(false).Modulus.Should().Equal(modulus);
        bed.ShouldNotLeak(key.Split('\n')[1]);
    }

    [Fact]
    public async Task ObjectNameNotInVolume_IsAClearWarningEvent_AndOtherEntriesStillSync()
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects,
            SyncTestBed.SecretObject("broken", null, ("db/pasword", "PASSWORD")),
            SyncTestBed.SecretObject("good", null, ("db/password", "PASSWORD")));

        var target = await bed.PublishAsync("db");

        Volume.Read(target, "db/password").Should().Be(Password);
        bed.Secret("broken").Should().BeNull();
        SyncTestBed.Value(bed.Secret("good")!, "PASSWORD").Should().Be(Password);
        var message = bed.Events("FailedToCreateSecret").Should().ContainSingle().Subject["message"]!.GetValue<string>();
        message.Should().Contain("shop/db").And.Contain("broken").And.Contain("db/pasword");
        bed.Driver.Logs.Lines.Should().Contain(l => l.Contains("[752]", StringComparison.Ordinal) && l.Contains("db/pasword", StringComparison.Ordinal));
        bed.ShouldNotLeak(Password);
    }

    [Fact]
    public async Task DriverLacksSyncRole_MountSucceeds_EventHintsAtTheSyncRbac()
    {
        await using var bed = await StartWithDbAsync(syncRole: false);
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", null, ("db/password", "PASSWORD")));

        var target = await bed.PublishAsync("db");

        Volume.Read(target, "db/password").Should().Be(Password);
        bed.Server.Requests.Should().Contain(r => r.Resource == "secrets" && r.Status == 403);
        var message = bed.Events("FailedToCreateSecret").Should().ContainSingle().Subject["message"]!.GetValue<string>();
        message.Should().Contain("shop/db").And.Contain("db-env").And.Contain("Forbidden").And.Contain("clusterrole-syncsecret.yaml").And.Contain("syncSecret.enabled=true");
        bed.ShouldNotLeak(Password);
    }

    [Fact]
    public async Task InvalidDockerConfigJson_IsRefused_WithoutQuotingTheValue()
    {
        await using var bed = await SyncTestBed.StartAsync();
        const string Broken = "{\"auths\": {\"registry.example\": {\"auth\": \"dXNlcjpodW50ZXIy\"";
        bed.Driver.WriteStoreFile("pull", Broken);
        bed.PutClass("pull", "- objectName: pull", SyncTestBed.SecretObject("regcred", "kubernetes.io/dockerconfigjson", ("pull", ".dockerconfigjson")));

        await bed.PublishAsync("pull");

        bed.Secret("regcred").Should().BeNull();
        bed.Events("FailedToCreateSecret").Should().ContainSingle().Which["message"]!.GetValue<string>().Should().Contain(".dockerconfigjson is not valid JSON");
        bed.ShouldNotLeak("dXNlcjpodW50ZXIy", "registry.example");
    }

    [Theory]
    [InlineData("kubernetes.io/ssh-auth", "id_rsa", "ssh-privatekey")]
    [InlineData("kubernetes.io/basic-auth", "token", "username or password")]
    [InlineData("kubernetes.io/dockerconfigjson", "config.json", ".dockerconfigjson")]
    public async Task TypedSecretWithoutItsRequiredKey_IsRefused(string type, string key, string expected)
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("typed", type, ("db/password", key)));

        await bed.PublishAsync("db");

        bed.Secret("typed").Should().BeNull();
        bed.Events("FailedToCreateSecret").Should().ContainSingle().Which["message"]!.GetValue<string>().Should().Contain(expected).And.Contain("typed");
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task HostileDataKey_IsRefused(string key)
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("hostile", null, ("db/password", key)));

        await bed.PublishAsync("db");

        bed.Secret("hostile").Should().BeNull();
        bed.Events("FailedToCreateSecret").Should().ContainSingle().Which["message"]!.GetValue<string>().Should().Contain("hostile");
        bed.ShouldNotLeak(Password);
    }

    [Fact]
    public async Task SecretTypeChangedInClass_IsReportedNotForced()
    {
        await using var bed = await StartWithDbAsync();
        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", null, ("db/password", "password")));
        await bed.PublishAsync("db");

        bed.PutClass("db", Objects, SyncTestBed.SecretObject("db-env", "kubernetes.io/basic-auth", ("db/password", "password")));
        await bed.PublishAsync("db");

        bed.Secret("db-env")!["type"]!.GetValue<string>().Should().Be("Opaque");
        bed.Events("FailedToCreateSecret").Should().ContainSingle().Which["message"]!.GetValue<string>().Should().Contain("cannot change");
    }

    private static (string Bundle, X509Certificate2 Certificate, byte[] Modulus) TlsBundle()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=web.shop.svc", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var bundle = rsa.ExportPkcs8PrivateKeyPem() + "\n" + certificate.ExportCertificatePem() + "\n";
        return (bundle, certificate, rsa.ExportParameters(false).Modulus!);
    }
}
