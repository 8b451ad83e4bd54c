using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Vault;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>The <c>vault</c> store against the loopback Vault and API server: auth modes, KV paths, properties, references, TLS.</summary>
public sealed class VaultStoreTests : IAsyncLifetime
{
    private StoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await StoreTestContext.StartAsync();
        _t.Vault.PutKv2("app/db", new Dictionary<string, object?> { ["username"] = "admin", ["password"] = "s3cret", ["port"] = 5432, ["nested"] = new Dictionary<string, object?> { ["host"] = "db.local" }, ["a.b"] = "exact" });
        _t.Vault.PutKv1("app/legacy", new Dictionary<string, object?> { ["token"] = "v1-value" });
        _t.Vault.AppRoles["role-id-1"] = new VaultAppRole("approle", "ci", "role-id-1", "secret-id-1");
        _t.Kube.PutServiceAccount("default", "app-sa");
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private string StaticToken() => _t.Vault.IssueToken();

    /// <summary>A vault block on the fake with token auth from Secret "vault-token" (the token put in namespace <paramref name="ns"/>).</summary>
    private JsonObject TokenStore(string ns = "default", string? path = "secret", string version = "v2")
    {
        _t.PutSecret(ns, "vault-token", new Dictionary<string, string> { ["token"] = StaticToken() + "\n" });
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["version"] = version,
            ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token" } },
        };
        if (path is not null)
        {
            block["path"] = path;
        }

        return block;
    }

    private async Task<IStoreClient> ConnectAsync(JsonObject block, string ns = "default") =>
        await _t.VaultStores.ConnectAsync(StoreTestContext.SecretStore(ns, "vault", block), CancellationToken.None);

    [Fact]
    public async Task TokenSecretRef_KvV2NoProperty_WholeDataObjectAsSortedJson()
    {
        var client = await ConnectAsync(TokenStore());

        var value = await client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("""{"a.b":"exact","nested":{"host":"db.local"},"password":"s3cret","port":5432,"username":"admin"}""");
        _t.Vault.Calls("GET /v1/secret/data/app/db").Should().Be(1);
    }

    [Theory]
    [InlineData("secret", "app/db")]
    [InlineData("secret", "secret/app/db")]
    [InlineData("secret", "secret/data/app/db")]
    [InlineData(null, "secret/app/db")]
    [InlineData(null, "secret/data/app/db")]
    public async Task KvV2Paths_DataInsertedAsTheOperatorDoes_ReadsSecretDataAppDb(string? path, string key)
    {
        var client = await ConnectAsync(TokenStore(path: path));

        var value = await client.GetSecretAsync(new RemoteRef(key, "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Vault.Calls("GET /v1/secret/data/app/db").Should().Be(1);
    }

    [Fact]
    public async Task KvV1_PathJoinedWithoutData_ReadsProperty()
    {
        var client = await ConnectAsync(TokenStore(path: "kv", version: "v1"));

        var value = await client.GetSecretAsync(new RemoteRef("app/legacy", "token"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("v1-value");
        _t.Vault.Calls("GET /v1/kv/app/legacy").Should().Be(1);
    }

    [Theory]
    [InlineData("a.b", "exact")]
    [InlineData("nested.host", "db.local")]
    [InlineData("nested", """{"host":"db.local"}""")]
    [InlineData("port", "5432")]
    public async Task Property_ExactKeyFirstThenGjsonPath(string property, string expected)
    {
        var client = await ConnectAsync(TokenStore());

        var value = await client.GetSecretAsync(new RemoteRef("app/db", property), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be(expected);
    }

    [Fact]
    public async Task Version_ReadsThatKvV2Version()
    {
        _t.Vault.PutKv2("app/db", new Dictionary<string, object?> { ["username"] = "rotated" });
        var client = await ConnectAsync(TokenStore());

        var old = await client.GetSecretAsync(new RemoteRef("app/db", "username", "1"), CancellationToken.None);
        var current = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(old).Should().Be("admin");
        StoreTestContext.Text(current).Should().Be("rotated");
        _t.Vault.Calls("GET /v1/secret/data/app/db?version=1").Should().Be(1);
    }

    [Fact]
    public async Task GetSecretMap_SplitsTheDataObject_StringsUnquotedOthersAsJson()
    {
        var client = await ConnectAsync(TokenStore());

        var map = await client.GetSecretMapAsync(new RemoteRef("app/db"), CancellationToken.None);

        map.ToDictionary(m => m.Key, m => StoreTestContext.Text(m.Value)).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["username"] = "admin",
            ["password"] = "s3cret",
            ["port"] = "5432",
            ["nested"] = """{"host":"db.local"}""",
            ["a.b"] = "exact",
        });
    }

    [Fact]
    public async Task GetSecretMap_PropertyNamingAnObject_SplitsThatObject()
    {
        var client = await ConnectAsync(TokenStore());

        var map = await client.GetSecretMapAsync(new RemoteRef("app/db", "nested"), CancellationToken.None);

        map.Keys.Should().Equal("host");
        StoreTestContext.Text(map["host"]).Should().Be("db.local");
    }

    [Theory]
    [InlineData("app/missing", null, null)]
    [InlineData("app/db", "nope", null)]
    [InlineData("app/db", "nested.nope", null)]
    [InlineData("app/db", null, "7")]
    public async Task Missing_KeyPropertyOrVersion_IsNotFound(string key, string? property, string? version)
    {
        var client = await ConnectAsync(TokenStore());

        var act = () => client.GetSecretAsync(new RemoteRef(key, property, version), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain(key);
    }

    [Fact]
    public async Task VaultFailing_UnavailableWithVaultsOwnWords_NeverTheToken()
    {
        _t.Vault.FailingPrefixes["/v1/secret/data/app/db"] = (500, "internal error");
        var client = await ConnectAsync(TokenStore());

        var act = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain("internal error").And.Contain("token Secret default/vault-token").And.NotContain("hvs.");
    }

    [Fact]
    public async Task KubernetesAuth_ServiceAccountRef_LogsInWithATokenRequestToken()
    {
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = "secret",
            ["auth"] = new JsonObject
            {
                ["kubernetes"] = new JsonObject { ["role"] = "app", ["serviceAccountRef"] = new JsonObject { ["name"] = "app-sa", ["audiences"] = new JsonArray("vault") } },
            },
        };
        var client = await ConnectAsync(block);

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "password"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("s3cret");
        _t.Vault.Calls("default/app-sa", "GET /v1/secret/data/app/db").Should().Be(1);
        _t.Kube.Requests.Should().ContainSingle(r => r.Resource == "serviceaccounts/token" && r.Namespace == "default" && r.Name == "app-sa" && r.Status == 201);
        client.Identity.Should().Contain("app-sa").And.Contain("kubernetes").And.NotContain(_t.Kube.IssuedTokens.Single());
    }

    [Fact]
    public async Task KubernetesAuth_SecretRef_LogsInWithTheJwtFromTheSecret_KeyDefaultsToToken()
    {
        _t.PutSecret("default", "sa-jwt", new Dictionary<string, string> { ["token"] = TestJwt.For("vault") });
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = "secret",
            ["auth"] = new JsonObject { ["kubernetes"] = new JsonObject { ["mountPath"] = "kubernetes", ["role"] = "app", ["secretRef"] = new JsonObject { ["name"] = "sa-jwt" } } },
        };
        var client = await ConnectAsync(block);

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Vault.LoginCount.Should().Be(1);
        _t.Kube.TokenRequestCount.Should().Be(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task JwtAuth_ServiceAccountTokenOrSecretRef_LogsInAtTheJwtMount(bool serviceAccountToken)
    {
        _t.Vault.Roles["jwt/app"] = new VaultRole("vault", "default", "app-sa");
        _t.PutSecret("default", "oidc", new Dictionary<string, string> { ["jwt"] = TestJwt.For("vault") });
        var jwt = new JsonObject { ["role"] = "app" };
        if (serviceAccountToken)
        {
            jwt["kubernetesServiceAccountToken"] = new JsonObject { ["serviceAccountRef"] = new JsonObject { ["name"] = "app-sa" } };
        }
        else
        {
            jwt["secretRef"] = new JsonObject { ["name"] = "oidc", ["key"] = "jwt" };
        }

        var client = await ConnectAsync(new JsonObject { ["server"] = _t.Vault.Address.ToString(), ["path"] = "secret", ["auth"] = new JsonObject { ["jwt"] = jwt } });

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Vault.Requests.Should().Contain("POST /v1/auth/jwt/login");
        _t.Kube.TokenRequestCount.Should().Be(serviceAccountToken ? 1 : 0);
        client.Identity.Should().Contain("auth mount \"jwt\"");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AppRole_RoleIdInlineOrFromSecret_LogsInAndReads(bool roleFromSecret)
    {
        _t.PutSecret("default", "approle", new Dictionary<string, string> { ["secret-id"] = "secret-id-1", ["role-id"] = "role-id-1" });
        var appRole = new JsonObject { ["secretRef"] = new JsonObject { ["name"] = "approle", ["key"] = "secret-id" } };
        if (roleFromSecret)
        {
            appRole["roleRef"] = new JsonObject { ["name"] = "approle", ["key"] = "role-id" };
        }
        else
        {
            appRole["roleId"] = "role-id-1";
        }

        var client = await ConnectAsync(new JsonObject { ["server"] = _t.Vault.Address.ToString(), ["path"] = "secret", ["auth"] = new JsonObject { ["appRole"] = appRole } });

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Vault.Calls("approle:ci", "GET /v1/secret/data/app/db").Should().Be(1);
        _t.Logs.AllText.Should().Contain("approle").And.NotContain("secret-id-1");
        client.Identity.Should().NotContain("secret-id-1");
    }

    [Fact]
    public async Task AppRole_WrongSecretId_PermissionDeniedNamingTheStoreNeverTheSecretId()
    {
        _t.PutSecret("default", "approle", new Dictionary<string, string> { ["secret-id"] = "wrong-secret-id-value" });
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["auth"] = new JsonObject { ["appRole"] = new JsonObject { ["roleId"] = "role-id-1", ["secretRef"] = new JsonObject { ["name"] = "approle", ["key"] = "secret-id" } } },
        };
        var client = await ConnectAsync(block);

        var act = () => client.GetSecretAsync(new RemoteRef("secret/app/db"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain("login").And.NotContain("wrong-secret-id-value");
    }

    [Fact]
    public async Task KubernetesAuth_RoleRefusesTheServiceAccount_PermissionDeniedNamingTheStoreNeverTheToken()
    {
        _t.Kube.PutServiceAccount("default", "other-sa");
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = "secret",
            ["auth"] = new JsonObject { ["kubernetes"] = new JsonObject { ["role"] = "app", ["serviceAccountRef"] = new JsonObject { ["name"] = "other-sa", ["audiences"] = new JsonArray("vault") } } },
        };
        var client = await ConnectAsync(block);

        var act = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain("role \"app\"").And.Contain("default/other-sa");
        var token = _t.Kube.IssuedTokens.Single();
        ex.Message.Should().NotContain(token);
        ex.ToString().Should().NotContain(token);
        _t.Logs.AllText.Should().NotContain(token);
    }

    [Fact]
    public async Task NamespacedStore_ReadsReferencesFromTheExternalSecretNamespace_IgnoringTheRefNamespace()
    {
        _t.PutSecret("team-a", "vault-token", new Dictionary<string, string> { ["token"] = StaticToken() });
        _t.PutSecret("other", "vault-token", new Dictionary<string, string> { ["token"] = "not-a-valid-token" });
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = "secret",
            ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token", ["namespace"] = "other" } },
        };
        var client = await ConnectAsync(block, ns: "team-a");

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Kube.Requests.Should().Contain(r => r.Resource == "secrets" && r.Namespace == "team-a").And.NotContain(r => r.Resource == "secrets" && r.Namespace == "other");
    }

    [Fact]
    public async Task ClusterStore_ReadsTheRefNamespace_AndTheExternalSecretNamespaceWhenTheRefNamesNone()
    {
        _t.PutSecret("vault-auth", "vault-token", new Dictionary<string, string> { ["token"] = StaticToken() });
        _t.PutSecret("team-b", "vault-token", new Dictionary<string, string> { ["token"] = StaticToken() });
        JsonObject Block(string? ns)
        {
            var selector = new JsonObject { ["name"] = "vault-token", ["key"] = "token" };
            if (ns is not null)
            {
                selector["namespace"] = ns;
            }

            return new JsonObject { ["server"] = _t.Vault.Address.ToString(), ["path"] = "secret", ["auth"] = new JsonObject { ["tokenSecretRef"] = selector } };
        }

        var named = await _t.VaultStores.ConnectAsync(StoreTestContext.ClusterStore("team-b", "vault", Block("vault-auth")), CancellationToken.None);
        var referent = await _t.VaultStores.ConnectAsync(StoreTestContext.ClusterStore("team-b", "vault", Block(null)), CancellationToken.None);
        await named.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);
        await referent.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        _t.Kube.Requests.Where(r => r.Resource == "secrets").Select(r => r.Namespace).Should().Equal("vault-auth", "team-b");
        named.Identity.Should().Contain("vault-auth/vault-token").And.NotBe(referent.Identity);
        referent.Identity.Should().Contain("team-b/vault-token");
    }

    [Fact]
    public async Task ManyConnectsWithServiceAccountAuth_OneTokenRequestAndOneLogin()
    {
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = "secret",
            ["auth"] = new JsonObject { ["kubernetes"] = new JsonObject { ["role"] = "app", ["serviceAccountRef"] = new JsonObject { ["name"] = "app-sa", ["audiences"] = new JsonArray("vault") } } },
        };

        var reads = Enumerable.Range(0, 20).Select(async _ =>
        {
            var client = await ConnectAsync(block);
            return StoreTestContext.Text(await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None));
        });
        var values = await Task.WhenAll(reads);

        values.Should().AllBe("admin");
        _t.Kube.TokenRequestCount.Should().Be(1);
        _t.Vault.LoginCount.Should().Be(1);
        _t.Vault.Calls("default/app-sa", "GET /v1/secret/data/app/db").Should().Be(20);
    }

    [Fact]
    public async Task CachedLoginTokenRevoked_LogsInOnceMoreAndReads()
    {
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = "secret",
            ["auth"] = new JsonObject { ["kubernetes"] = new JsonObject { ["role"] = "app", ["serviceAccountRef"] = new JsonObject { ["name"] = "app-sa", ["audiences"] = new JsonArray("vault") } } },
        };
        await (await ConnectAsync(block)).GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);
        _t.Vault.RevokeAllTokens();

        var value = await (await ConnectAsync(block)).GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Vault.LoginCount.Should().Be(2);
    }

    [Fact]
    public async Task Validate_ClusterStoreWithReferentAuth_UnknownWithoutError()
    {
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["auth"] = new JsonObject { ["kubernetes"] = new JsonObject { ["role"] = "app", ["serviceAccountRef"] = new JsonObject { ["name"] = "app-sa" } } },
        };

        var result = await _t.VaultStores.ValidateAsync(StoreTestContext.ClusterStore(string.Empty, "vault", block), CancellationToken.None);

        result.Result.Should().Be(StoreValidationResult.Unknown);
        result.Error.Should().BeNull();
    }

    [Fact]
    public async Task Validate_TokenSecretMissing_ErrorNamingTheSecret_PresentIsReady()
    {
        var block = TokenStore(ns: "team-a");
        var missing = (JsonObject)block.DeepClone();
        missing["auth"]!["tokenSecretRef"]!["name"] = "nope";

        var bad = await _t.VaultStores.ValidateAsync(StoreTestContext.SecretStore("team-a", "vault", missing), CancellationToken.None);
        var good = await _t.VaultStores.ValidateAsync(StoreTestContext.SecretStore("team-a", "vault", block), CancellationToken.None);

        bad.Result.Should().Be(StoreValidationResult.Error);
        bad.Error.Should().Contain("Secret team-a/nope not found");
        good.Should().Be(StoreValidation.Valid);
    }

    [Theory]
    [InlineData("""{"path":"secret"}""", "server is required")]
    [InlineData("""{"server":"ftp://vault"}""", "is not an http(s) URL")]
    [InlineData("""{"server":"http://v:8200","version":"v3"}""", "version must be v1 or v2")]
    [InlineData("""{"server":"http://v:8200","auth":{"kubernetes":{"mountPath":"kubernetes"}}}""", "auth.kubernetes.role is required")]
    [InlineData("""{"server":"http://v:8200","auth":{"appRole":{"secretRef":{"name":"s","key":"k"}}}}""", "set roleId or roleRef")]
    [InlineData("""{"server":"http://v:8200","auth":{"ldap":{"username":"u"}}}""", "auth.ldap is not supported")]
    [InlineData("""{"server":"http://v:8200","caBundle":"***"}""", "caBundle is not base64")]
    public async Task Connect_BadBlock_InvalidConfigurationNamingTheField(string json, string expected)
    {
        var act = () => ConnectAsync(JsonNode.Parse(json)!.AsObject());

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain(expected);
    }
}

/// <summary>The vault store over HTTPS: <c>caBundle</c> and <c>caProvider</c> trust the server; another CA is refused.</summary>
public sealed class VaultStoreTlsTests : IAsyncLifetime
{
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _ca = TestPki.CreateCa("vault-store-ca");
    private StoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await StoreTestContext.StartAsync(new HttpsConnectionAdapterOptions { ServerCertificate = TestPki.IssueServer(_ca) });
        _t.Vault.PutKv2("app/db", new Dictionary<string, object?> { ["username"] = "admin" });
        _t.PutSecret("default", "vault-token", new Dictionary<string, string> { ["token"] = _t.Vault.IssueToken() });
    }

    public async Task DisposeAsync()
    {
        await _t.DisposeAsync();
        _ca.Dispose();
    }

    private JsonObject Block() => new()
    {
        ["server"] = _t.Vault.Address.ToString().Replace("http://", "https://", StringComparison.Ordinal),
        ["path"] = "secret",
        ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token" } },
    };

    [Fact]
    public async Task CaBundle_TrustsTheServer()
    {
        var block = Block();
        block["caBundle"] = StoreTestContext.Base64(_ca.ExportCertificatePem());
        var client = await _t.VaultStores.ConnectAsync(StoreTestContext.SecretStore("default", "vault", block), CancellationToken.None);

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
    }

    [Fact]
    public async Task CaProviderConfigMap_TrustsTheServer()
    {
        _t.Kube.Put("", "configmaps", "default", FakeKubeApiServer.ConfigMap("vault-ca", new Dictionary<string, string> { ["ca.crt"] = _ca.ExportCertificatePem() }));
        var block = Block();
        block["caProvider"] = new JsonObject { ["type"] = "ConfigMap", ["name"] = "vault-ca" };
        var client = await _t.VaultStores.ConnectAsync(StoreTestContext.SecretStore("default", "vault", block), CancellationToken.None);

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
    }

    [Fact]
    public async Task ManyConnects_CaProviderAndTokenSecretReadOncePerWindow()
    {
        _t.Kube.Put("", "configmaps", "default", FakeKubeApiServer.ConfigMap("vault-ca", new Dictionary<string, string> { ["ca.crt"] = _ca.ExportCertificatePem() }));
        var block = Block();
        block["caProvider"] = new JsonObject { ["type"] = "ConfigMap", ["name"] = "vault-ca" };
        async Task<string> ReadAsync()
        {
            var client = await _t.VaultStores.ConnectAsync(StoreTestContext.SecretStore("default", "vault", block), CancellationToken.None);
            return StoreTestContext.Text(await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None));
        }

        (await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ReadAsync()))).Should().AllBe("admin");
        _t.ApiCalls("configmaps", "get").Should().Be(1);
        _t.ApiCalls("secrets", "get").Should().Be(1);

        _t.Clock.Advance(TimeSpan.FromSeconds(31));
        (await ReadAsync()).Should().Be("admin");

        _t.ApiCalls("configmaps", "get").Should().Be(2);
        _t.ApiCalls("secrets", "get").Should().Be(2);
    }

    [Fact]
    public async Task CaBundleOfAnotherCa_ServerRefusedAsUnavailable()
    {
        using var other = TestPki.CreateCa("someone-else");
        var block = Block();
        block["caBundle"] = StoreTestContext.Base64(other.ExportCertificatePem());
        var client = await _t.VaultStores.ConnectAsync(StoreTestContext.SecretStore("default", "vault", block), CancellationToken.None);

        var act = () => client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("SecretStore \"store\"").And.Contain("cannot reach Vault");
        _t.Vault.SecretCalls.Should().BeEmpty();
    }
}

/// <summary>The vault store's <c>metadataPolicy: Fetch</c> against the fake's KV v2 metadata endpoint.</summary>
public sealed class VaultStoreMetadataTests : IAsyncLifetime
{
    private StoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await StoreTestContext.StartAsync();
        _t.Vault.PutKv2("app/db", new Dictionary<string, object?> { ["password"] = "s3cret" });
        _t.Vault.PutKv2("app/db", new Dictionary<string, object?> { ["password"] = "s3cret-2" });
        _t.Vault.CustomMetadata["app/db"] = new Dictionary<string, string> { ["owner"] = "team-a" };
        _t.PutSecret("default", "vault-token", new Dictionary<string, string> { ["token"] = _t.Vault.IssueToken() });
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task MetadataPolicyFetch_CustomMetadataAndVersionInfo_NeverTheValue()
    {
        var block = new JsonObject
        {
            ["server"] = _t.Vault.Address.ToString(),
            ["path"] = "secret",
            ["auth"] = new JsonObject { ["tokenSecretRef"] = new JsonObject { ["name"] = "vault-token", ["key"] = "token" } },
        };
        var client = await _t.VaultStores.ConnectAsync(StoreTestContext.SecretStore("default", "vault", block), CancellationToken.None);

        var owner = await client.GetSecretAsync(new RemoteRef("app/db", "owner", FetchMetadata: true), CancellationToken.None);
        var map = await client.GetSecretMapAsync(new RemoteRef("app/db", FetchMetadata: true), CancellationToken.None);

        StoreTestContext.Text(owner).Should().Be("team-a");
        map.Keys.Should().BeEquivalentTo("owner", "created_time", "current_version", "delete_version_after");
        StoreTestContext.Text(map["current_version"]).Should().Be("2");
        map.Values.Select(StoreTestContext.Text).Should().NotContain(v => v.Contains("s3cret", StringComparison.Ordinal));
        _t.Vault.Calls("GET /v1/secret/metadata/app/db").Should().Be(2);
    }
}
