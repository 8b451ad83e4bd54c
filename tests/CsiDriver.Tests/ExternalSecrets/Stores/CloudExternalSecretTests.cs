using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Providers.Aws;
using CsiDriver.Tests.ExternalSecrets.Stores.Azure;
using CsiDriver.Tests.ExternalSecrets.Stores.Gcp;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Azure;
using CsiDriver.Tests.Providers.Gcp;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>
/// ExternalSecrets reconciled end to end with <c>gcpsm</c> and <c>azurekv</c> stores (the real reconcilers, store
/// providers and loopback backends): each syncs, and a refused identity keeps the last good Secret without a token or
/// value in status, events or logs.
/// </summary>
public sealed class CloudExternalSecretTests
{
    private const string Ns = EsoTestContext.Ns;

    private static void PutStore(EsoTestContext ctx, string provider, JsonObject block) =>
        ctx.Server.PutObject(FakeKubeApiServer.EsoGroup, "secretstores", Ns, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "SecretStore",
            ["metadata"] = new JsonObject { ["name"] = "cloud" },
            ["spec"] = new JsonObject { ["provider"] = new JsonObject { [provider] = block } },
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Valid" }) },
        });

    private static void PutExternalSecret(EsoTestContext ctx, string key, string property) =>
        ctx.PutExternalSecret("es", EsoTestContext.Spec("cloud", data: new JsonArray(new JsonObject
        {
            ["secretKey"] = "value",
            ["remoteRef"] = new JsonObject { ["key"] = key, ["property"] = property },
        })));

    [Fact]
    public async Task Gcpsm_WorkloadIdentity_Synced_ThenImpersonationRevoked_LastGoodSecretKept()
    {
        await using var google = await FakeGcpServer.StartAsync();
        await using var ctx = await EsoTestContext.StartAsync(services: (s, _) =>
            s.AddSingleton(GcpStoreTestContext.Options(google)).AddSingleton(new AwsProviderOptions()).AddSingleton(AwsControllerIdentity.None).AddExternalSecretStores());
        const string gsa = "reader@my-proj.iam.gserviceaccount.com";
        ctx.Server.Put("", "serviceaccounts", Ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = "app", ["annotations"] = new JsonObject { ["iam.gke.io/gcp-service-account"] = gsa } },
        });
        google.TokenCreators[gsa] = [$"fed:{Ns}/app"];
        google.AddVersion("projects/my-proj/secrets/db", """{"pass":"first-password"}""");
        google.Allow("projects/my-proj/secrets/db", "gsa:" + gsa);
        PutStore(ctx, "gcpsm", GcpStoreTestContext.WorkloadBlock("app"));
        PutExternalSecret(ctx, "db", "pass");

        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("first-password");

        google.TokenCreators.Clear();
        google.AddVersion("projects/my-proj/secrets/db", """{"pass":"second-password"}""");
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("first-password");
        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Observable.Should().NotContain("second-password").And.NotContain("ya29.");
        ctx.Server.IssuedTokens.Should().NotBeEmpty().And.OnlyContain(token => !ctx.Observable.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Azurekv_ServicePrincipal_Synced_ThenVaultRefusesTokens_LastGoodSecretKept()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var ctx = await EsoTestContext.StartAsync(services: (s, _) =>
            s.AddSingleton(AzureTestKit.Options(azure)).AddSingleton(new AwsProviderOptions()).AddSingleton(AwsControllerIdentity.None).AddExternalSecretStores());
        azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        azure.AddSecret("db", """{"pass":"first-password"}""");
        ctx.Server.Put("", "secrets", Ns, FakeKubeApiServer.Secret("azure-sp", new Dictionary<string, string> { ["client-id"] = AzureStoreTestContext.Client, ["client-secret"] = AzureStoreTestContext.ClientSecret }));
        PutStore(ctx, "azurekv", AzureStoreTestContext.ServicePrincipalBlock());
        PutExternalSecret(ctx, "secret/db", "pass");

        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("first-password");

        azure.AddSecret("db", """{"pass":"second-password"}""");
        azure.RejectTokens = true;
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("first-password");
        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Observable.Should().NotContain("second-password").And.NotContain(AzureStoreTestContext.ClientSecret);
        azure.IssuedTokens.Should().NotBeEmpty().And.OnlyContain(token => !ctx.Observable.Contains(token, StringComparison.Ordinal));
    }
}
