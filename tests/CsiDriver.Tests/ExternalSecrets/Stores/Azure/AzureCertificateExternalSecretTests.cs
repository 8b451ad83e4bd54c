using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Providers.Aws;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Azure;
using TestPki = CsiDriver.Tests.Providers.Azure.TestPki;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Azure;

/// <summary>
/// An ExternalSecret reconciled end to end through an <c>azurekv</c> store whose service principal proves itself with a
/// certificate: it syncs, and when the Secret's certificate is swapped for one Entra ID does not know, the last good
/// Secret stays, Ready turns False, and no key, assertion or token shows in status, events, logs or metrics.
/// </summary>
public sealed class AzureCertificateExternalSecretTests
{
    private const string Ns = EsoTestContext.Ns;

    [Fact]
    public async Task ClientCertificate_Synced_ThenCertificateSwappedForAnUnregisteredOne_LastGoodSecretKeptReadyFalse()
    {
        using var registered = TestPki.CreateClientCertificate("es-reader");
        using var unknown = TestPki.CreateClientCertificate("es-reader");
        await using var azure = await FakeAzure.StartAsync();
        await using var ctx = await EsoTestContext.StartAsync(services: (s, _) =>
            s.AddSingleton(AzureTestKit.Options(azure)).AddSingleton(new AwsProviderOptions()).AddSingleton(AwsControllerIdentity.None).AddExternalSecretStores());
        azure.Clock = ctx.Clock;
        azure.RegisterCertificate(AzureStoreTestContext.Client, registered);
        azure.AddSecret("db", """{"pass":"first-password"}""");
        var goodPem = TestPki.CertificateAndKeyPem(registered);
        ctx.Server.Put("", "secrets", Ns, AzureStoreTestContext.CertificateSecret(goodPem));
        ctx.Server.PutObject(FakeKubeApiServer.EsoGroup, "secretstores", Ns, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "SecretStore",
            ["metadata"] = new JsonObject { ["name"] = "kv" },
            ["spec"] = new JsonObject { ["provider"] = new JsonObject { ["azurekv"] = AzureStoreTestContext.CertificateBlock() } },
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Valid" }) },
        });
        ctx.PutExternalSecret("es", EsoTestContext.Spec("kv", data: new JsonArray(new JsonObject
        {
            ["secretKey"] = "value",
            ["remoteRef"] = new JsonObject { ["key"] = "secret/db", ["property"] = "pass" },
        })));

        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("first-password");

        var badPem = TestPki.CertificateAndKeyPem(unknown);
        ctx.Server.Put("", "secrets", Ns, AzureStoreTestContext.CertificateSecret(badPem));
        azure.AddSecret("db", """{"pass":"second-password"}""");
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("first-password");
        ctx.Ready("es")!.Status.Should().Be("False");
        azure.AssertionRefusals.Should().ContainSingle().Which.Should().Contain("x5t names no certificate");
        var observable = ctx.Observable;
        observable.Should().NotContain("second-password");
        foreach (var pem in (string[])[goodPem, badPem])
        {
            foreach (var line in pem.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
            {
                observable.Should().NotContain(line);
            }
        }

        azure.TokenForms.Should().HaveCount(2).And.OnlyContain(form => !observable.Contains(form["client_assertion"], StringComparison.Ordinal));
        azure.IssuedTokens.Should().ContainSingle().And.OnlyContain(token => !observable.Contains(token, StringComparison.Ordinal));
    }
}
