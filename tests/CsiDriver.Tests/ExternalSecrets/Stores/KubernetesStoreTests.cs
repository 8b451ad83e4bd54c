using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>The <c>kubernetes</c> store against the loopback API server: auth by service account, token and certificate; values; TLS.</summary>
public sealed class KubernetesStoreTests : IAsyncLifetime
{
    private const string ReaderUser = "system:serviceaccount:apps:reader";
    private StoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await StoreTestContext.StartAsync();
        _t.PutSecret("remote", "db", new Dictionary<string, string> { ["username"] = "admin", ["password"] = "p<w>&d" }, labels: new Dictionary<string, string> { ["team"] = "a" }, annotations: new Dictionary<string, string> { ["owner"] = "ops" });
        _t.Kube.PutServiceAccount("apps", "reader");
        _t.Kube.Allow(ReaderUser, new FakeRule("", "secrets", ["get"], Namespace: "remote"));
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static JsonObject ServiceAccountBlock(string? ns = null)
    {
        var account = new JsonObject { ["name"] = "reader" };
        if (ns is not null)
        {
            account["namespace"] = ns;
        }

        return new JsonObject { ["remoteNamespace"] = "remote", ["auth"] = new JsonObject { ["serviceAccount"] = account } };
    }

    private async Task<IStoreClient> ConnectAsync(JsonObject block, string ns = "apps") =>
        await _t.KubernetesStores.ConnectAsync(StoreTestContext.SecretStore(ns, "kubernetes", block), CancellationToken.None);

    [Fact]
    public async Task ServiceAccount_NoProperty_JsonObjectOfEveryDataKey()
    {
        var client = await ConnectAsync(ServiceAccountBlock());

        var value = await client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("""{"password":"p<w>&d","username":"admin"}""");
        _t.Kube.Requests.Should().ContainSingle(r => r.Resource == "secrets" && r.Namespace == "remote" && r.User == ReaderUser && r.Status == 200);
        _t.Kube.Requests.Should().ContainSingle(r => r.Resource == "serviceaccounts/token" && r.User == StoreTestContext.ControllerUser);
    }

    [Fact]
    public async Task ServiceAccount_Property_ThatDataKey()
    {
        var client = await ConnectAsync(ServiceAccountBlock());

        var value = await client.GetSecretAsync(new RemoteRef("db", "password"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("p<w>&d");
    }

    [Fact]
    public async Task GetSecretMap_EveryDataKey()
    {
        var client = await ConnectAsync(ServiceAccountBlock());

        var map = await client.GetSecretMapAsync(new RemoteRef("db"), CancellationToken.None);

        map.ToDictionary(m => m.Key, m => StoreTestContext.Text(m.Value)).Should().BeEquivalentTo(new Dictionary<string, string> { ["username"] = "admin", ["password"] = "p<w>&d" });
    }

    [Theory]
    [InlineData(null, """{"labels":{"team":"a"},"annotations":{"owner":"ops"}}""")]
    [InlineData("labels", """{"team":"a"}""")]
    [InlineData("annotations.owner", "ops")]
    public async Task MetadataPolicyFetch_LabelsAndAnnotations(string? property, string expected)
    {
        var client = await ConnectAsync(ServiceAccountBlock());

        var value = await client.GetSecretAsync(new RemoteRef("db", property, FetchMetadata: true), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be(expected);
    }

    [Theory]
    [InlineData("missing", null)]
    [InlineData("db", "nope")]
    public async Task MissingSecretOrKey_NotFound(string key, string? property)
    {
        var client = await ConnectAsync(ServiceAccountBlock());

        var act = () => client.GetSecretAsync(new RemoteRef(key, property), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain(key).And.Contain("remote");
    }

    [Fact]
    public async Task ServiceAccountWithoutRbacInTheRemoteNamespace_PermissionDeniedNeverTheToken()
    {
        _t.Kube.PutServiceAccount("apps", "nobody");
        var block = ServiceAccountBlock();
        block["auth"]!["serviceAccount"]!["name"] = "nobody";
        var client = await ConnectAsync(block);

        var act = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("ServiceAccount apps/nobody may not get Secret \"db\" in namespace remote");
        ex.ToString().Should().NotContain(_t.Kube.IssuedTokens.Single());
    }

    [Fact]
    public async Task ManyConnectsAndReads_OneTokenRequest()
    {
        var reads = Enumerable.Range(0, 25).Select(async _ =>
        {
            var client = await ConnectAsync(ServiceAccountBlock());
            return StoreTestContext.Text(await client.GetSecretAsync(new RemoteRef("db", "username"), CancellationToken.None));
        });

        (await Task.WhenAll(reads)).Should().AllBe("admin");

        _t.ApiCalls("serviceaccounts/token", "create").Should().Be(1);
        _t.ApiCalls("secrets", "get").Should().Be(25);
        _t.Logs.AllText.Should().Contain("ServiceAccount apps/reader").And.NotContain(_t.Kube.IssuedTokens.Single());
    }

    [Fact]
    public async Task TokenPastEightyPercentOfItsHour_RequestedAgain()
    {
        await (await ConnectAsync(ServiceAccountBlock())).GetSecretAsync(new RemoteRef("db"), CancellationToken.None);
        _t.Clock.Advance(TimeSpan.FromMinutes(47));
        await (await ConnectAsync(ServiceAccountBlock())).GetSecretAsync(new RemoteRef("db"), CancellationToken.None);
        _t.ApiCalls("serviceaccounts/token", "create").Should().Be(1);

        _t.Clock.Advance(TimeSpan.FromMinutes(2));
        await (await ConnectAsync(ServiceAccountBlock())).GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        _t.ApiCalls("serviceaccounts/token", "create").Should().Be(2);
    }

    [Fact]
    public async Task TokenRequestForbidden_PermissionDeniedNamingTheMissingGrant_ThenRetriedNotCached()
    {
        _t.Kube.FailNext(r => r.Resource == "serviceaccounts/token", 1, System.Net.HttpStatusCode.Forbidden, reason: "Forbidden");
        var client = await ConnectAsync(ServiceAccountBlock());

        var act = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain("create on serviceaccounts/token").And.Contain("apps/reader");
        StoreTestContext.Text(await client.GetSecretAsync(new RemoteRef("db", "username"), CancellationToken.None)).Should().Be("admin");
    }

    [Fact]
    public async Task ServiceAccountMissing_InvalidConfigurationNamingIt()
    {
        var block = ServiceAccountBlock();
        block["auth"]!["serviceAccount"]!["name"] = "ghost";
        var client = await ConnectAsync(block);

        var act = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("ServiceAccount apps/ghost not found");
    }

    [Fact]
    public async Task BearerTokenFromSecret_ReadsAsThatToken()
    {
        _t.Kube.AddToken("static-reader-token-xyz", ReaderUser);
        _t.PutSecret("apps", "kube-token", new Dictionary<string, string> { ["token"] = "static-reader-token-xyz" });
        var block = new JsonObject
        {
            ["remoteNamespace"] = "remote",
            ["auth"] = new JsonObject { ["token"] = new JsonObject { ["bearerToken"] = new JsonObject { ["name"] = "kube-token", ["key"] = "token" } } },
        };
        var client = await ConnectAsync(block);

        var value = await client.GetSecretAsync(new RemoteRef("db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        client.Identity.Should().Contain("apps/kube-token").And.NotContain("static-reader-token-xyz");
        _t.Kube.TokenRequestCount.Should().Be(0);
    }

    [Fact]
    public async Task ClientCertificateFromSecrets_ServerUrlAndCaBundle_ReadsAsTheCertificateUser()
    {
        using var certificate = TestPki.IssueClient(_t.Kube.ClientCertificateAuthority, "cert-reader");
        _t.Kube.Allow("cert-reader", new FakeRule("", "secrets", ["get"], Namespace: "remote"));
        _t.PutSecret("apps", "client-tls", new Dictionary<string, string> { ["tls.crt"] = TestPki.CertificatePem(certificate), ["tls.key"] = TestPki.KeyPem(certificate) });
        var block = new JsonObject
        {
            ["remoteNamespace"] = "remote",
            ["server"] = new JsonObject { ["url"] = _t.Kube.Url.ToString(), ["caBundle"] = StoreTestContext.Base64(TestPki.CertificatePem(_t.Kube.CertificateAuthority)) },
            ["auth"] = new JsonObject
            {
                ["cert"] = new JsonObject
                {
                    ["clientCert"] = new JsonObject { ["name"] = "client-tls", ["key"] = "tls.crt" },
                    ["clientKey"] = new JsonObject { ["name"] = "client-tls", ["key"] = "tls.key" },
                },
            },
        };
        var client = await ConnectAsync(block);

        var value = await client.GetSecretAsync(new RemoteRef("db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Kube.Requests.Should().Contain(r => r.User == "cert-reader" && r.Resource == "secrets" && r.Status == 200);
    }

    [Fact]
    public async Task ServerUrlWithAnotherCa_RefusedAsUnavailable()
    {
        using var other = TestPki.CreateCa("not-the-api-server-ca");
        var block = ServiceAccountBlock();
        block["server"] = new JsonObject { ["url"] = _t.Kube.Url.ToString(), ["caBundle"] = StoreTestContext.Base64(TestPki.CertificatePem(other)) };
        var client = await ConnectAsync(block);

        var act = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("TLS");
        _t.Kube.Requests.Should().NotContain(r => r.Resource == "secrets" && r.Namespace == "remote");
    }

    [Fact]
    public async Task ClusterStore_ServiceAccountInTheRefNamespace_OrTheExternalSecretNamespaceWhenNone()
    {
        _t.Kube.PutServiceAccount("platform", "reader");
        _t.Kube.Allow("system:serviceaccount:platform:reader", new FakeRule("", "secrets", ["get"], Namespace: "remote"));

        var named = await _t.KubernetesStores.ConnectAsync(StoreTestContext.ClusterStore("apps", "kubernetes", ServiceAccountBlock("platform")), CancellationToken.None);
        var referent = await _t.KubernetesStores.ConnectAsync(StoreTestContext.ClusterStore("apps", "kubernetes", ServiceAccountBlock()), CancellationToken.None);
        await named.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);
        await referent.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        _t.Kube.Requests.Where(r => r.Resource == "serviceaccounts/token").Select(r => $"{r.Namespace}/{r.Name}").Should().BeEquivalentTo("platform/reader", "apps/reader");
        named.Identity.Should().NotBe(referent.Identity);
    }

    [Fact]
    public async Task ClusterStore_TokenRefWithoutNamespace_InvalidConfiguration()
    {
        var block = new JsonObject
        {
            ["auth"] = new JsonObject { ["token"] = new JsonObject { ["bearerToken"] = new JsonObject { ["name"] = "kube-token", ["key"] = "token" } } },
        };

        var act = () => _t.KubernetesStores.ConnectAsync(StoreTestContext.ClusterStore("apps", "kubernetes", block), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("ClusterSecretStore \"cluster-store\"").And.Contain("auth.token.bearerToken.namespace is required");
    }

    [Theory]
    [InlineData("""{"auth":{}}""", "must set one of token, serviceAccount or cert")]
    [InlineData("""{"auth":{"serviceAccount":{"name":"a"},"token":{"bearerToken":{"name":"t","key":"k"}}}}""", "exactly one")]
    [InlineData("""{"authRef":{"name":"kubeconfig","key":"config"}}""", "authRef")]
    [InlineData("""{"remoteNamespace":"Not_A_Namespace","auth":{"serviceAccount":{"name":"a"}}}""", "remoteNamespace")]
    [InlineData("""{"server":{"url":"https://user:pw@host"},"auth":{"serviceAccount":{"name":"a"}}}""", "not shown")]
    public async Task Connect_BadBlock_InvalidConfiguration(string json, string expected)
    {
        var act = () => ConnectAsync(JsonNode.Parse(json)!.AsObject());

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain(expected).And.NotContain("pw@");
    }

    [Fact]
    public async Task Validate_ReferentServiceAccountUnknown_MissingTokenSecretError_ServiceAccountReady()
    {
        var referent = await _t.KubernetesStores.ValidateAsync(StoreTestContext.ClusterStore(string.Empty, "kubernetes", ServiceAccountBlock()), CancellationToken.None);
        var ready = await _t.KubernetesStores.ValidateAsync(StoreTestContext.SecretStore("apps", "kubernetes", ServiceAccountBlock()), CancellationToken.None);
        var missing = await _t.KubernetesStores.ValidateAsync(
            StoreTestContext.SecretStore("apps", "kubernetes", new JsonObject { ["auth"] = new JsonObject { ["token"] = new JsonObject { ["bearerToken"] = new JsonObject { ["name"] = "absent", ["key"] = "token" } } } }),
            CancellationToken.None);

        referent.Should().Be(new StoreValidation(StoreValidationResult.Unknown));
        ready.Should().Be(StoreValidation.Valid);
        missing.Result.Should().Be(StoreValidationResult.Error);
        missing.Error.Should().Contain("Secret apps/absent not found");
    }
}
