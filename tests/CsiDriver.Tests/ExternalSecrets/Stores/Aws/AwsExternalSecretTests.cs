using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Aws;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary>
/// ExternalSecrets reconciled end to end with aws stores (the real reconcilers, store providers and loopback AWS): each
/// auth mode syncs, and a failing or denied backend leaves the last good Secret in place without a credential or value
/// in status, events or logs.
/// </summary>
public sealed class AwsExternalSecretTests : IAsyncLifetime
{
    private const string Region = AwsStoreTestContext.Region;
    private const string Ns = EsoTestContext.Ns;
    private FakeAwsServer _aws = null!;
    private EsoTestContext _ctx = null!;

    public async Task InitializeAsync()
    {
        _aws = await FakeAwsServer.StartAsync();
        _aws.AddKey(AwsStoreTestContext.KeyId, AwsStoreTestContext.SecretKey, AwsStoreTestContext.StaticPrincipal);
        _ctx = await EsoTestContext.StartAsync(services: (s, clock) =>
        {
            _aws.Now = clock.GetUtcNow;
            s.AddSingleton(AwsStoreTestContext.Options(_aws)).AddSingleton(AwsControllerIdentity.None).AddExternalSecretStores();
        });
        _aws.PutSecret(Region, "app/db", """{"password":"first-password"}""");
        _ctx.Server.Put("", "secrets", Ns, FakeKubeApiServer.Secret("aws-keys", new Dictionary<string, string> { ["id"] = AwsStoreTestContext.KeyId, ["secret"] = AwsStoreTestContext.SecretKey }));
    }

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        await _aws.DisposeAsync();
    }

    private void PutStore(JsonObject block) =>
        _ctx.Server.PutObject(FakeKubeApiServer.EsoGroup, "secretstores", Ns, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "SecretStore",
            ["metadata"] = new JsonObject { ["name"] = "aws" },
            ["spec"] = new JsonObject { ["provider"] = new JsonObject { ["aws"] = block } },
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Valid" }) },
        });

    private void PutExternalSecret() =>
        _ctx.PutExternalSecret("es", EsoTestContext.Spec("aws", data: new JsonArray(new JsonObject
        {
            ["secretKey"] = "password",
            ["remoteRef"] = new JsonObject { ["key"] = "app/db", ["property"] = "password" },
        })));

    [Fact]
    public async Task SecretRef_Synced_ThenBackendDown_SecretKeepsItsValueAndNothingLeaks()
    {
        PutStore(AwsStoreTestContext.KeysBlock());
        PutExternalSecret();

        await _ctx.ReconcileAsync("es");
        _ctx.Value("es", "password").Should().Be("first-password");
        _ctx.Ready("es")!.Status.Should().Be("True");

        _aws.PutSecret(Region, "app/db", """{"password":"second-password"}""");
        _aws.RegionsDown[Region] = true;
        _ctx.Clock.Advance(TimeSpan.FromHours(2));
        await _ctx.ReconcileAsync("es");

        _ctx.Value("es", "password").Should().Be("first-password");
        _ctx.Ready("es")!.Status.Should().Be("False");
        _ctx.Observable.Should().NotContain(AwsStoreTestContext.SecretKey).And.NotContain("first-password").And.NotContain("second-password");
    }

    [Fact]
    public async Task Jwt_Synced_ThenTrustRevoked_DeniedAndTheLastGoodSecretKept()
    {
        _ctx.Server.Put("", "serviceaccounts", Ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = "reader", ["annotations"] = new JsonObject { ["eks.amazonaws.com/role-arn"] = AwsStoreTestContext.RoleArn } },
        });
        _aws.Roles[AwsStoreTestContext.RoleArn] = FakeAwsServer.TrustServiceAccount(Ns, "reader");
        PutStore(AwsStoreTestContext.JwtBlock("reader"));
        PutExternalSecret();

        await _ctx.ReconcileAsync("es");
        _ctx.Value("es", "password").Should().Be("first-password");

        _aws.Roles.TryRemove(AwsStoreTestContext.RoleArn, out _);
        _aws.PutSecret(Region, "app/db", """{"password":"second-password"}""");
        _ctx.Clock.Advance(TimeSpan.FromHours(2));
        await _ctx.ReconcileAsync("es");

        _ctx.Value("es", "password").Should().Be("first-password");
        var ready = _ctx.Ready("es")!;
        ready.Status.Should().Be("False");
        _ctx.Observable.Should().Contain("AccessDenied", "the event or log says why, naming the STS error");
        _ctx.Observable.Should().NotContain("second-password");
        _ctx.Server.IssuedTokens.Should().NotBeEmpty().And.OnlyContain(token => !_ctx.Observable.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ParameterStore_Synced()
    {
        _aws.PutParameter(Region, "/app/token", "parameter-value");
        PutStore(AwsStoreTestContext.KeysBlock("ParameterStore"));
        _ctx.PutExternalSecret("es", EsoTestContext.Spec("aws", data: EsoTestContext.Data(("token", "/app/token"))));

        await _ctx.ReconcileAsync("es");

        _ctx.Value("es", "token").Should().Be("parameter-value");
    }
}
