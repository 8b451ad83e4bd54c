using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Gcp;

/// <summary>The <c>gcpsm</c> store against the loopback Google: auth modes, versions, regional secrets, find, push, bad input.</summary>
public sealed class GcpStoreTests : IAsyncLifetime
{
    private const string Db = "projects/my-proj/secrets/db";
    private const string KeyPrincipal = "key:" + GcpStoreTestContext.KeyEmail;
    private GcpStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await GcpStoreTestContext.StartAsync();
        _t.Google.AddVersion(Db, """{"user":"admin","pass":"first"}""");
        _t.Google.AddVersion(Db, """{"user":"admin","pass":"second"}""");
        _t.PutKeySecret();
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task KeyJson_LatestByDefault_VersionAndProperty()
    {
        _t.Google.Allow(Db, KeyPrincipal);
        var client = await _t.ConnectAsync(GcpStoreTestContext.KeyBlock());

        var latest = await client.GetSecretAsync(new RemoteRef("db", "pass"), CancellationToken.None);
        var first = await client.GetSecretAsync(new RemoteRef("db", "pass", "1"), CancellationToken.None);
        var byFullName = await client.GetSecretAsync(new RemoteRef(Db, "user"), CancellationToken.None);

        StoreTestContext.Text(latest).Should().Be("second");
        StoreTestContext.Text(first).Should().Be("first");
        StoreTestContext.Text(byFullName).Should().Be("admin");
        _t.Google.TokenUriCalls.Should().Be(1);
        client.Identity.Should().Contain(GcpStoreTestContext.KeyEmail).And.NotContain("PRIVATE KEY");
    }

    [Fact]
    public async Task WorkloadIdentity_TokenRequestForThePool_ExchangedThenImpersonatesTheAnnotatedAccount()
    {
        const string gsa = "reader@my-proj.iam.gserviceaccount.com";
        _t.PutServiceAccount("app", new Dictionary<string, string> { ["iam.gke.io/gcp-service-account"] = gsa });
        _t.Google.TokenCreators[gsa] = [$"fed:{GcpStoreTestContext.Ns}/app"];
        _t.Google.Allow(Db, "gsa:" + gsa);
        var client = await _t.ConnectAsync(GcpStoreTestContext.WorkloadBlock("app"));

        var value = await client.GetSecretAsync(new RemoteRef("db", "user"), CancellationToken.None);
        _ = await client.GetSecretAsync(new RemoteRef("db", "user"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Google.StsCalls.Should().Be(1);
        _t.Google.IamCalls.Should().Be(1);
        _t.Kube.TokenRequestCount.Should().Be(1);
        var seen = _t.Logs.AllText + client.Identity;
        _t.Kube.IssuedTokens.Should().OnlyContain(token => !seen.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkloadIdentity_NoAnnotation_TheFederatedPrincipalReads_PoolFromTheMetadataServer()
    {
        _t.PutServiceAccount("app");
        _t.Google.Allow(Db, $"fed:{GcpStoreTestContext.Ns}/app");
        var client = await _t.ConnectAsync(GcpStoreTestContext.WorkloadBlock("app", clusterFields: false));

        var value = await client.GetSecretAsync(new RemoteRef("db", "user"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Google.IamCalls.Should().Be(0);
    }

    [Fact]
    public async Task WorkloadIdentity_ImpersonationRefused_PermissionDenied()
    {
        _t.PutServiceAccount("app", new Dictionary<string, string> { ["iam.gke.io/gcp-service-account"] = "other@my-proj.iam.gserviceaccount.com" });
        var client = await _t.ConnectAsync(GcpStoreTestContext.WorkloadBlock("app"));

        var read = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("getAccessToken");
        _t.Google.TotalReads.Should().Be(0);
    }

    [Fact]
    public async Task NoAuth_ControllerMetadataServerToken()
    {
        _t.Google.Allow(Db, "node");
        var client = await _t.ConnectAsync(new JsonObject { ["projectID"] = GcpStoreTestContext.Project });

        var value = await client.GetSecretAsync(new RemoteRef("db", "user"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        client.Identity.Should().Contain("controller");
    }

    [Fact]
    public async Task Location_RegionalEndpointAndResource()
    {
        const string regional = "projects/my-proj/locations/europe-west1/secrets/db";
        _t.Google.AddVersion(regional, "regional-value");
        _t.Google.Allow(regional, KeyPrincipal);
        var client = await _t.ConnectAsync(GcpStoreTestContext.KeyBlock("europe-west1"));

        var value = await client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("regional-value");
    }

    [Theory]
    [InlineData("nope", null, null, FailureKind.NotFound)]
    [InlineData("db", null, "9", FailureKind.NotFound)]
    [InlineData("db", "missing", null, FailureKind.NotFound)]
    [InlineData("../db", null, null, FailureKind.InvalidConfiguration)]
    public async Task BadReference_KindSaysWhy(string key, string? property, string? version, FailureKind kind)
    {
        _t.Google.Allow(Db, KeyPrincipal);
        _t.Google.Allow("projects/my-proj/secrets/nope", KeyPrincipal);
        var client = await _t.ConnectAsync(GcpStoreTestContext.KeyBlock());

        var read = () => client.GetSecretAsync(new RemoteRef(key, property, version), CancellationToken.None);

        (await read.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(kind);
    }

    [Fact]
    public async Task Backend503_RetriedThenUnavailable_NoCredentialInTheMessage()
    {
        _t.Google.Allow(Db, KeyPrincipal);
        _t.Google.AccessFailures.Enqueue((503, "UNAVAILABLE"));
        _t.Google.AccessFailures.Enqueue((503, "UNAVAILABLE"));
        var client = await _t.ConnectAsync(GcpStoreTestContext.KeyBlock());

        var read = () => client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.Unavailable);
        (error.ToString() + _t.Logs.AllText).Should().NotContain("ya29.").And.NotContain("PRIVATE KEY").And.NotContain("second");
    }

    [Fact]
    public async Task MissingKeySecret_InvalidConfiguration_AndValidationSaysSo()
    {
        _t.Kube.Delete("", "secrets", GcpStoreTestContext.Ns, "gcp-key");

        var connect = () => _t.ConnectAsync(GcpStoreTestContext.KeyBlock());
        var validation = await _t.Stores.ValidateAsync(StoreTestContext.SecretStore(GcpStoreTestContext.Ns, "gcpsm", GcpStoreTestContext.KeyBlock()), CancellationToken.None);

        (await connect.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.InvalidConfiguration);
        validation.Result.Should().Be(StoreValidationResult.Error);
        validation.Error.Should().Contain("gcp-key");
    }

    [Theory]
    [InlineData("projectID", "My Project")]
    [InlineData("location", "Europe West")]
    [InlineData("secretVersionSelectionPolicy", "LatestOrFetch")]
    public async Task BadBlock_InvalidConfigurationNamingTheField(string field, string value)
    {
        var block = GcpStoreTestContext.KeyBlock();
        block[field] = value;

        var connect = () => _t.ConnectAsync(block);

        (await connect.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain($"spec.provider.gcpsm.{field}");
    }

    [Fact]
    public async Task Find_ByNameAndLabels_EveryPage()
    {
        _t.Google.Admins[KeyPrincipal] = true;
        _t.Google.ListPageSize = 1;
        foreach (var name in (string[])["app-a", "app-b", "other"])
        {
            var path = $"projects/my-proj/secrets/{name}";
            _t.Google.AddVersion(path, "v-" + name);
            _t.Google.Allow(path, KeyPrincipal);
        }

        _t.Google.Label("projects/my-proj/secrets/app-b", ("team", "x"));
        _t.Google.Label("projects/my-proj/secrets/other", ("team", "x"));
        var client = await _t.ConnectAsync(GcpStoreTestContext.KeyBlock());

        var byName = await client.FindAsync(new FindQuery("^app-", null, null, 10), CancellationToken.None);
        var byLabel = await client.FindAsync(new FindQuery(null, new Dictionary<string, string> { ["team"] = "x" }, null, 10), CancellationToken.None);
        var capped = () => client.FindAsync(new FindQuery(".", null, null, 2), CancellationToken.None);

        byName.ToDictionary(k => k.Key, k => StoreTestContext.Text(k.Value)).Should().BeEquivalentTo(new Dictionary<string, string> { ["app-a"] = "v-app-a", ["app-b"] = "v-app-b" });
        byLabel.Keys.Should().BeEquivalentTo("app-b", "other");
        (await capped.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.TooLarge);
        _t.Google.ListCalls.Should().BeGreaterThanOrEqualTo(8, "four secrets one per page, listed twice");
    }

    [Fact]
    public async Task Push_CreatesLabelled_SkipsSameValue_AddsVersion_RefusesUnmanaged_DeletesOnlyManaged()
    {
        _t.Google.Admins[KeyPrincipal] = true;
        var writer = (IStoreWriter)await _t.ConnectAsync(GcpStoreTestContext.KeyBlock());

        var created = await writer.PushAsync(new PushRef("pushed"), Bytes("one"), CancellationToken.None);
        var same = await writer.PushAsync(new PushRef("pushed"), Bytes("one"), CancellationToken.None);
        var changed = await writer.PushAsync(new PushRef("pushed"), Bytes("two"), CancellationToken.None);
        var overwrite = () => writer.PushAsync(new PushRef("db"), Bytes("x"), CancellationToken.None);
        var deleteUnmanaged = () => writer.DeleteAsync(new PushRef("db"), CancellationToken.None);

        (created, same, changed).Should().Be((true, false, true));
        _t.Google.Labels["projects/my-proj/secrets/pushed"].Should().Contain("managed-by", "external-secrets");
        _t.Google.Secrets["projects/my-proj/secrets/pushed"].Should().HaveCount(2);
        (await overwrite.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Conflict);
        (await deleteUnmanaged.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Conflict);
        _t.Google.Latest(Db).Should().Contain("second");

        await writer.DeleteAsync(new PushRef("pushed"), CancellationToken.None);
        _t.Google.Secrets.Should().NotContainKey("projects/my-proj/secrets/pushed");
    }
}
