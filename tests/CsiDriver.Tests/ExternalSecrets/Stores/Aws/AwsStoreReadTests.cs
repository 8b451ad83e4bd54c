using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Publishing;
using CsiDriver.Tests.Providers.Aws;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary>The <c>aws</c> store's reads against the loopback AWS: each auth mode, both services, versions, properties, bad input.</summary>
public sealed class AwsStoreReadTests : IAsyncLifetime
{
    private const string Region = AwsStoreTestContext.Region;
    private AwsStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await AwsStoreTestContext.StartAsync();
        _t.Aws.PutSecret(Region, "app/db", """{"username":"admin","password":"s3cret","nested":{"host":"db.local"},"a.b":"exact"}""", versionId: "11111111-1111-1111-1111-111111111111");
        _t.PutKeys();
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task SecretRef_SecretsManager_SignedReadOfTheWholeValue()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var value = await client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Contain("\"password\":\"s3cret\"");
        _t.Aws.ValueReads(AwsStoreTestContext.StaticPrincipal, "app/db").Should().Be(1);
        client.Identity.Should().Contain(AwsStoreTestContext.KeyId).And.Contain("us-east-1").And.NotContain(AwsStoreTestContext.SecretKey);
    }

    [Theory]
    [InlineData("username", "admin")]
    [InlineData("a.b", "exact")]
    [InlineData("nested.host", "db.local")]
    [InlineData("nested", """{"host":"db.local"}""")]
    public async Task Property_ExactKeyFirstThenGjsonPath(string property, string expected)
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var value = await client.GetSecretAsync(new RemoteRef("app/db", property), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be(expected);
    }

    [Fact]
    public async Task Version_UuidPrefixIsAVersionId_AnythingElseAStagingLabel()
    {
        _t.Aws.PutSecret(Region, "app/db", """{"username":"rotated"}""", versionId: "22222222-2222-2222-2222-222222222222");
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var byId = await client.GetSecretAsync(new RemoteRef("app/db", "username", "uuid/11111111-1111-1111-1111-111111111111"), CancellationToken.None);
        var previous = await client.GetSecretAsync(new RemoteRef("app/db", "username", "AWSPREVIOUS"), CancellationToken.None);
        var current = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(byId).Should().Be("admin");
        StoreTestContext.Text(previous).Should().Be("admin");
        StoreTestContext.Text(current).Should().Be("rotated");
    }

    [Fact]
    public async Task BinarySecret_ReturnedAsItsBytes()
    {
        _t.Aws.PutSecret(Region, "app/blob", binary: [0, 1, 2, 255]);
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var value = await client.GetSecretAsync(new RemoteRef("app/blob"), CancellationToken.None);

        value.Should().Equal(0, 1, 2, 255);
    }

    [Fact]
    public async Task MetadataPolicyFetch_TheSecretsTagsAsJson()
    {
        _t.Aws.TagSecret(Region, "app/db", ("team", "payments"), ("env", "prod"));
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var all = await client.GetSecretAsync(new RemoteRef("app/db", FetchMetadata: true), CancellationToken.None);
        var one = await client.GetSecretAsync(new RemoteRef("app/db", "team", FetchMetadata: true), CancellationToken.None);

        JsonNode.Parse(all)!["env"]!.GetValue<string>().Should().Be("prod");
        StoreTestContext.Text(one).Should().Be("payments");
    }

    [Fact]
    public async Task GetSecretMap_SplitsTheJsonObject()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var map = await client.GetSecretMapAsync(new RemoteRef("app/db"), CancellationToken.None);

        map.ToDictionary(m => m.Key, m => StoreTestContext.Text(m.Value)).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["username"] = "admin",
            ["password"] = "s3cret",
            ["nested"] = """{"host":"db.local"}""",
            ["a.b"] = "exact",
        });
    }

    [Fact]
    public async Task Prefix_PutInFrontOfEveryKey()
    {
        var block = AwsStoreTestContext.KeysBlock();
        block["prefix"] = "app/";
        var client = await _t.ConnectAsync(block);

        var value = await client.GetSecretAsync(new RemoteRef("db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
    }

    [Theory]
    [InlineData("app/missing", null, null)]
    [InlineData("app/db", "nope", null)]
    [InlineData("app/db", null, "uuid/99999999-9999-9999-9999-999999999999")]
    public async Task Missing_KeyPropertyOrVersion_IsNotFound(string key, string? property, string? version)
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var read = () => client.GetSecretAsync(new RemoteRef(key, property, version), CancellationToken.None);

        (await read.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.NotFound);
    }

    [Fact]
    public async Task WrongRegion_TheSecretIsNotThere_NotFoundNamingTheRegion()
    {
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock(region: "eu-west-1"));

        var read = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.NotFound);
        client.Identity.Should().Contain("eu-west-1");
    }

    [Theory]
    [InlineData("service", "KeyVault")]
    [InlineData("service", "CertificateManager")]
    [InlineData("region", "us east 1")]
    [InlineData("role", "eso-reader")]
    [InlineData("externalID", "x")]
    public async Task BadBlock_InvalidConfigurationNamingTheField(string field, string value)
    {
        var block = AwsStoreTestContext.KeysBlock();
        block[field] = value;

        var connect = () => _t.ConnectAsync(block);

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain($"spec.provider.aws.{field}");
    }

    [Fact]
    public async Task SecretRef_MissingSecret_InvalidConfigurationAndNoAwsCall()
    {
        _t.Kube.Delete("", "secrets", AwsStoreTestContext.Ns, "aws-keys");

        var connect = () => _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("aws-keys").And.Contain("not found");
        _t.Aws.TotalValueReads.Should().Be(0);
    }

    [Fact]
    public async Task SecretRef_WrongSecretKey_PermissionDeniedWithoutTheKey()
    {
        _t.PutKeys(secret: "not-the-right-secret-key-0000000000000000");
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var read = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("InvalidSignatureException").And.NotContain("not-the-right-secret-key");
    }

    [Fact]
    public async Task Backend500_RetriedThenUnavailable()
    {
        _t.Aws.RegionsDown[Region] = true;
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var read = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        (await read.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Unavailable);
        _t.Aws.Calls("secretsmanager.GetSecretValue").Should().Be(3);
    }

    [Fact]
    public async Task Throttling_RetriedUntilItPasses()
    {
        _t.Aws.ThrottleNext(2);
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "username"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("admin");
        _t.Aws.Calls("secretsmanager.GetSecretValue").Should().Be(3);
    }

    [Fact]
    public async Task HangingBackend_TimeoutAfterTheAttempts()
    {
        await using var t = await AwsStoreTestContext.StartAsync(configure: o => { o.AttemptTimeout = TimeSpan.FromMilliseconds(200); o.Retry = o.Retry with { MaxAttempts = 2 }; });
        t.PutKeys();
        t.Aws.Hold();
        var client = await t.ConnectAsync(AwsStoreTestContext.KeysBlock());

        var read = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        (await read.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Timeout);
        t.Aws.Release();
    }

    [Fact]
    public async Task ParameterStore_DecryptedValueVersionAndProperty()
    {
        _t.Aws.PutParameter(Region, "/app/config", """{"mode":"old"}""");
        _t.Aws.PutParameter(Region, "/app/config", """{"mode":"new"}""", "blue");
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock("ParameterStore"));

        var current = await client.GetSecretAsync(new RemoteRef("/app/config"), CancellationToken.None);
        var first = await client.GetSecretAsync(new RemoteRef("/app/config", "mode", "1"), CancellationToken.None);
        var labelled = await client.GetSecretAsync(new RemoteRef("/app/config", "mode", "blue"), CancellationToken.None);
        var missing = () => client.GetSecretAsync(new RemoteRef("/app/none"), CancellationToken.None);

        StoreTestContext.Text(current).Should().Be("""{"mode":"new"}""");
        StoreTestContext.Text(first).Should().Be("old");
        StoreTestContext.Text(labelled).Should().Be("new");
        (await missing.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.NotFound);
    }

    [Fact]
    public async Task Validate_ReadyWithItsSecrets_ErrorWhenOneIsMissing_UnknownForReferentAuth()
    {
        var ready = await _t.Stores.ValidateAsync(StoreTestContext.SecretStore(AwsStoreTestContext.Ns, "aws", AwsStoreTestContext.KeysBlock()), CancellationToken.None);
        var referent = await _t.Stores.ValidateAsync(StoreTestContext.ClusterStore(AwsStoreTestContext.Ns, "aws", AwsStoreTestContext.KeysBlock()), CancellationToken.None);
        var missing = AwsStoreTestContext.KeysBlock();
        missing["auth"]!["secretRef"]!["secretAccessKeySecretRef"]!["name"] = "other-keys";
        var broken = await _t.Stores.ValidateAsync(StoreTestContext.SecretStore(AwsStoreTestContext.Ns, "aws", missing), CancellationToken.None);

        ready.Result.Should().Be(StoreValidationResult.Ready);
        referent.Result.Should().Be(StoreValidationResult.Unknown);
        broken.Result.Should().Be(StoreValidationResult.Error);
        broken.Error.Should().Contain("other-keys");
        _t.Aws.TotalValueReads.Should().Be(0);
    }

    [Fact]
    public async Task NoCredentialInLogsOrErrors()
    {
        _t.Aws.RegionsDown[Region] = true;
        var client = await _t.ConnectAsync(AwsStoreTestContext.KeysBlock());
        var error = await Record.ExceptionAsync(() => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None));

        error.Should().NotBeNull();
        var seen = _t.Logs.AllText + error!.ToString() + client.Identity;
        seen.Should().NotContain(AwsStoreTestContext.SecretKey).And.NotContain("s3cret");
    }
}
