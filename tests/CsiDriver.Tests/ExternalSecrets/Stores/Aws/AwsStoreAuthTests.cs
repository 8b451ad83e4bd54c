using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Publishing;
using CsiDriver.Tests.Providers.Aws;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary>
/// How an aws store gets credentials: a service account's token (TokenRequest) exchanged at STS for its annotated role,
/// the controller's own IRSA or Pod Identity, and a <c>role</c> assumed on top of the base credentials.
/// </summary>
public sealed class AwsStoreAuthTests : IAsyncLifetime
{
    private const string Region = AwsStoreTestContext.Region;
    private AwsStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await AwsStoreTestContext.StartAsync();
        _t.Aws.PutSecret(Region, "app/db", """{"password":"s3cret"}""");
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task Jwt_TokenForStsAudienceExchangedForTheAnnotatedRole_CredentialsReused()
    {
        _t.PutServiceAccount("reader", new Dictionary<string, string> { ["eks.amazonaws.com/role-arn"] = AwsStoreTestContext.RoleArn });
        _t.Aws.Roles[AwsStoreTestContext.RoleArn] = FakeAwsServer.TrustServiceAccount(AwsStoreTestContext.Ns, "reader");
        var client = await _t.ConnectAsync(AwsStoreTestContext.JwtBlock("reader"));

        var first = await client.GetSecretAsync(new RemoteRef("app/db", "password"), CancellationToken.None);
        var second = await client.GetSecretAsync(new RemoteRef("app/db", "password"), CancellationToken.None);

        StoreTestContext.Text(first).Should().Be("s3cret");
        StoreTestContext.Text(second).Should().Be("s3cret");
        _t.Aws.ValueReads(AwsStoreTestContext.RoleArn, "app/db").Should().Be(2);
        _t.Aws.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1);
        _t.Kube.TokenRequestCount.Should().Be(1);
        client.Identity.Should().Contain($"{AwsStoreTestContext.Ns}/reader").And.Contain(AwsStoreTestContext.RoleArn);
        var seen = _t.Logs.AllText + client.Identity;
        _t.Kube.IssuedTokens.Should().OnlyContain(token => !seen.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Jwt_AudienceAnnotation_UsedInsteadOfSts_SoATrustExpectingStsDenies()
    {
        _t.PutServiceAccount("reader", new Dictionary<string, string>
        {
            ["eks.amazonaws.com/role-arn"] = AwsStoreTestContext.RoleArn,
            ["eks.amazonaws.com/audience"] = "custom-audience",
        });
        _t.Aws.Roles[AwsStoreTestContext.RoleArn] = FakeAwsServer.TrustServiceAccount(AwsStoreTestContext.Ns, "reader");
        var client = await _t.ConnectAsync(AwsStoreTestContext.JwtBlock("reader"));

        var read = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("InvalidIdentityToken");
    }

    [Fact]
    public async Task Jwt_RoleTrustsAnotherServiceAccount_PermissionDeniedAndNoValueRead()
    {
        _t.PutServiceAccount("intruder", new Dictionary<string, string> { ["eks.amazonaws.com/role-arn"] = AwsStoreTestContext.RoleArn });
        _t.Aws.Roles[AwsStoreTestContext.RoleArn] = FakeAwsServer.TrustServiceAccount(AwsStoreTestContext.Ns, "reader");
        var client = await _t.ConnectAsync(AwsStoreTestContext.JwtBlock("intruder"));

        var read = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("cannot get AWS credentials");
        _t.Aws.TotalValueReads.Should().Be(0);
    }

    [Fact]
    public async Task Jwt_ServiceAccountWithoutRoleAnnotation_InvalidConfiguration()
    {
        _t.PutServiceAccount("plain");

        var connect = () => _t.ConnectAsync(AwsStoreTestContext.JwtBlock("plain"));

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("eks.amazonaws.com/role-arn");
    }

    [Fact]
    public async Task Jwt_MissingServiceAccount_InvalidConfiguration()
    {
        var connect = () => _t.ConnectAsync(AwsStoreTestContext.JwtBlock("ghost"));

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("ServiceAccount team-a/ghost not found");
    }

    [Fact]
    public async Task NoAuth_NoControllerIdentity_InvalidConfiguration()
    {
        var connect = () => _t.ConnectAsync(new JsonObject { ["service"] = "SecretsManager", ["region"] = Region });

        (await connect.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("no AWS identity of its own");
    }

    [Fact]
    public async Task NoAuth_ControllerIrsa_TokenFileExchangedForItsRole()
    {
        const string controllerRole = "arn:aws:iam::123456789012:role/controller";
        await using var t = await AwsStoreTestContext.StartAsync(dir =>
        {
            File.WriteAllText(Path.Combine(dir, "aws-token"), "controller-web-identity-token\n");
            return new AwsControllerIdentity(null, null, null, Path.Combine(dir, "aws-token"), controllerRole, null, false);
        });
        t.Aws.Roles[controllerRole] = "controller-web-identity-token";
        t.Aws.PutSecret(Region, "app/db", "plain-value");

        var client = await t.ConnectAsync(new JsonObject { ["service"] = "SecretsManager", ["region"] = Region });
        var value = await client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("plain-value");
        t.Aws.ValueReads(controllerRole, "app/db").Should().Be(1);
        client.Identity.Should().Contain("controller irsa:" + controllerRole);
    }

    [Fact]
    public async Task NoAuth_ControllerPodIdentity_AgentCredentials()
    {
        await using var t = await AwsStoreTestContext.StartAsync(dir =>
        {
            File.WriteAllText(Path.Combine(dir, "eks-pod-identity-token"), "pod-identity-token");
            return new AwsControllerIdentity(null, null, null, null, null, Path.Combine(dir, "eks-pod-identity-token"), true);
        });
        t.Aws.PodIdentityToken = "pod-identity-token";
        t.Aws.PutSecret(Region, "app/db", "plain-value");

        var client = await t.ConnectAsync(new JsonObject { ["service"] = "SecretsManager", ["region"] = Region });
        var value = await client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("plain-value");
        t.Aws.ValueReads("pod-identity", "app/db").Should().Be(1);
    }

    [Fact]
    public async Task Role_AssumedWithTheStaticKeys_ReadsAsTheRole()
    {
        _t.PutKeys();
        _t.Aws.RoleAssumers[AwsStoreTestContext.AssumedRole] = AwsStoreTestContext.StaticPrincipal;
        var block = AwsStoreTestContext.KeysBlock();
        block["role"] = AwsStoreTestContext.AssumedRole;
        var client = await _t.ConnectAsync(block);

        var value = await client.GetSecretAsync(new RemoteRef("app/db", "password"), CancellationToken.None);
        _ = await client.GetSecretAsync(new RemoteRef("app/db", "password"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("s3cret");
        _t.Aws.ValueReads(AwsStoreTestContext.AssumedRole, "app/db").Should().Be(2);
        _t.Aws.ValueReads(AwsStoreTestContext.StaticPrincipal, "app/db").Should().Be(0);
        _t.Aws.Calls("STS.AssumeRole").Should().Be(1);
    }

    [Fact]
    public async Task Role_NotAllowedForTheBaseCredentials_PermissionDenied()
    {
        _t.PutKeys();
        var block = AwsStoreTestContext.KeysBlock();
        block["role"] = AwsStoreTestContext.AssumedRole;
        var client = await _t.ConnectAsync(block);

        var read = () => client.GetSecretAsync(new RemoteRef("app/db"), CancellationToken.None);

        var error = (await read.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("AccessDenied");
    }
}
