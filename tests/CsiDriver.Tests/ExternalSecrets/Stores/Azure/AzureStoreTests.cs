using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;
using CsiDriver.Tests.Providers.Azure;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Azure;

/// <summary>The <c>azurekv</c> store against the loopback Entra ID and Key Vault: auth types, object kinds, versions, bad input.</summary>
public sealed class AzureStoreTests : IAsyncLifetime
{
    private AzureStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await AzureStoreTestContext.StartAsync();
        _t.Azure.AddSecret("db", """{"user":"admin","pass":"first"}""");
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task ServicePrincipal_ClientSecret_ReadsTheSecretAndItsProperty()
    {
        _t.Azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        _t.PutCredentials();
        var client = await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());

        var whole = await client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);
        var prefixed = await client.GetSecretAsync(new RemoteRef("secret/db", "pass"), CancellationToken.None);

        StoreTestContext.Text(whole).Should().Be("""{"user":"admin","pass":"first"}""");
        StoreTestContext.Text(prefixed).Should().Be("first");
        _t.Azure.TokenForms.Should().ContainSingle();
        (client.Identity + _t.Logs.AllText).Should().NotContain(AzureStoreTestContext.ClientSecret);
    }

    [Fact]
    public async Task ServicePrincipal_WrongSecret_PermissionDeniedWithoutTheSecret()
    {
        _t.Azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        _t.PutCredentials("a-wrong-client-secret-value");
        var client = await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());

        var read = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().NotContain("a-wrong-client-secret-value");
    }

    [Fact]
    public async Task WorkloadIdentity_ClientAndTenantFromAnnotations_TokenForTheExchangeAudience()
    {
        _t.PutServiceAccount("app", new Dictionary<string, string>
        {
            ["azure.workload.identity/client-id"] = AzureStoreTestContext.Client,
            ["azure.workload.identity/tenant-id"] = FakeAzure.Tenant,
        });
        _t.Azure.FederatedSubjects[AzureStoreTestContext.Client] = $"system:serviceaccount:{AzureStoreTestContext.Ns}:app";
        var client = await _t.ConnectAsync(AzureStoreTestContext.WorkloadBlock("app", withTenant: false));

        var value = await client.GetSecretAsync(new RemoteRef("db", "user"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Azure.TokenForms.Single()["client_assertion"].Should().BeOneOf(_t.Kube.IssuedTokens);
        (client.Identity + _t.Logs.AllText).Should().NotContain(_t.Kube.IssuedTokens.Single());
    }

    [Fact]
    public async Task WorkloadIdentity_FederationTrustsAnotherAccount_PermissionDenied()
    {
        _t.PutServiceAccount("intruder", new Dictionary<string, string> { ["azure.workload.identity/client-id"] = AzureStoreTestContext.Client });
        _t.Azure.FederatedSubjects[AzureStoreTestContext.Client] = $"system:serviceaccount:{AzureStoreTestContext.Ns}:app";
        var client = await _t.ConnectAsync(AzureStoreTestContext.WorkloadBlock("intruder"));

        var read = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        (await read.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.PermissionDenied);
    }

    [Fact]
    public async Task WorkloadIdentity_NoClientId_InvalidConfiguration()
    {
        _t.PutServiceAccount("plain");

        var connect = () => _t.ConnectAsync(AzureStoreTestContext.WorkloadBlock("plain"));

        (await connect.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("azure.workload.identity/client-id");
    }

    [Fact]
    public async Task ManagedIdentity_UserAssigned_ThroughImds()
    {
        var block = new JsonObject { ["vaultUrl"] = FakeAzure.VaultBase, ["authType"] = "ManagedIdentity", ["identityId"] = "mi-client-1" };
        var client = await _t.ConnectAsync(block);

        var value = await client.GetSecretAsync(new RemoteRef("db", "user"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Azure.Log.Should().Contain(l => l.Contains("mi:mi-client-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeysCertificatesAndVersions()
    {
        _t.Azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        _t.PutCredentials();
        var first = _t.Azure.AddSecret("rotating", "v1");
        _t.Azure.AddSecret("rotating", "v2");
        _t.Azure.AddKey("signing", new JsonObject { ["kty"] = "RSA", ["n"] = "AQAB-modulus", ["e"] = "AQAB" });
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        using var leaf = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=leaf", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _t.Azure.AddCertificate("tls", leaf);
        var client = await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());

        var old = await client.GetSecretAsync(new RemoteRef("rotating", Version: first), CancellationToken.None);
        var current = await client.GetSecretAsync(new RemoteRef("rotating"), CancellationToken.None);
        var key = await client.GetSecretAsync(new RemoteRef("key/signing", "kty"), CancellationToken.None);
        var cert = await client.GetSecretAsync(new RemoteRef("cert/tls"), CancellationToken.None);

        StoreTestContext.Text(old).Should().Be("v1");
        StoreTestContext.Text(current).Should().Be("v2");
        StoreTestContext.Text(key).Should().Be("RSA");
        cert.Should().Equal(leaf.RawData);
    }

    [Theory]
    [InlineData("missing", FailureKind.NotFound)]
    [InlineData("secret/bad_name", FailureKind.InvalidConfiguration)]
    [InlineData("vault/db", FailureKind.InvalidConfiguration)]
    public async Task BadKeys_KindSaysWhy(string key, FailureKind kind)
    {
        _t.Azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        _t.PutCredentials();
        var client = await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());

        var read = () => client.GetSecretAsync(new RemoteRef(key), CancellationToken.None);

        (await read.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(kind);
    }

    [Theory]
    [InlineData("vaultUrl", "http://kv-test.vault.azure.net")]
    [InlineData("vaultUrl", "https://kv-test.example.com")]
    [InlineData("authType", "Certificate")]
    [InlineData("environmentType", "AzureStackCloud")]
    [InlineData("tenantId", "not a tenant")]
    public async Task BadBlock_InvalidConfigurationNamingTheField(string field, string value)
    {
        var block = AzureStoreTestContext.ServicePrincipalBlock();
        block[field] = value;

        var connect = () => _t.ConnectAsync(block);

        (await connect.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain($"spec.provider.azurekv.");
    }

    [Fact]
    public async Task MissingCredentialSecret_InvalidConfiguration_ValidationError()
    {
        var connect = () => _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());
        var validation = await _t.Stores.ValidateAsync(StoreTestContext.SecretStore(AzureStoreTestContext.Ns, "azurekv", AzureStoreTestContext.ServicePrincipalBlock()), CancellationToken.None);

        (await connect.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.InvalidConfiguration);
        validation.Result.Should().Be(StoreValidationResult.Error);
        validation.Error.Should().Contain("azure-sp");
    }

    [Fact]
    public async Task Find_ByNameAndTags_EveryPage_DisabledLeftOut_Capped()
    {
        _t.Azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        _t.PutCredentials();
        _t.Azure.ListPageSize = 2;
        _t.Azure.AddSecret("app-one", "1");
        _t.Azure.AddSecret("app-two", "2");
        _t.Azure.AddSecret("app-off", "0", enabled: false);
        _t.Azure.AddSecret("other", "3");
        _t.Azure.TagSecret("app-two", ("team", "x"));
        _t.Azure.TagSecret("other", ("team", "x"));
        var client = await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());

        var byName = await client.FindAsync(new FindQuery("^app-", null, null, 10), CancellationToken.None);
        var byTag = await client.FindAsync(new FindQuery(null, new Dictionary<string, string> { ["team"] = "x" }, null, 10), CancellationToken.None);
        var capped = () => client.FindAsync(new FindQuery(".", null, null, 2), CancellationToken.None);

        byName.ToDictionary(k => k.Key, k => StoreTestContext.Text(k.Value)).Should().BeEquivalentTo(new Dictionary<string, string> { ["app-one"] = "1", ["app-two"] = "2" });
        byTag.Keys.Should().BeEquivalentTo("app-two", "other");
        (await capped.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.TooLarge);
        _t.Azure.ListCalls.Should().Be(9, "five secrets two per page, listed three times");
    }

    [Fact]
    public async Task Push_CreatesTagged_SkipsSameValue_NewVersion_RefusesUnmanaged_DeletesOnlyManaged()
    {
        _t.Azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        _t.PutCredentials();
        var writer = (IStoreWriter)await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());

        var created = await writer.PushAsync(new PushRef("pushed", "user"), System.Text.Encoding.UTF8.GetBytes("admin"), CancellationToken.None);
        var same = await writer.PushAsync(new PushRef("pushed", "user"), System.Text.Encoding.UTF8.GetBytes("admin"), CancellationToken.None);
        var changed = await writer.PushAsync(new PushRef("pushed", "pass"), System.Text.Encoding.UTF8.GetBytes("s3cret"), CancellationToken.None);
        var overwrite = () => writer.PushAsync(new PushRef("db"), System.Text.Encoding.UTF8.GetBytes("x"), CancellationToken.None);
        var deleteUnmanaged = () => writer.DeleteAsync(new PushRef("db"), CancellationToken.None);

        (created, same, changed).Should().Be((true, false, true));
        var current = _t.Azure.Current("pushed")!.Value;
        current.Value.Should().Be("""{"user":"admin","pass":"s3cret"}""");
        current.Tags!["managed-by"]!.GetValue<string>().Should().Be("external-secrets");
        (await overwrite.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Conflict);
        (await deleteUnmanaged.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Conflict);
        _t.Azure.Current("db")!.Value.Value.Should().Contain("first");
        (await writer.ExistsAsync(new PushRef("pushed", "pass"), CancellationToken.None)).Should().BeTrue();

        await writer.DeleteAsync(new PushRef("pushed"), CancellationToken.None);
        await writer.DeleteAsync(new PushRef("pushed"), CancellationToken.None);
        _t.Azure.Current("pushed").Should().BeNull();
        _t.Azure.Writes.Should().Be(3, "two sets and one delete: the same value and the second delete write nothing");
    }
}
