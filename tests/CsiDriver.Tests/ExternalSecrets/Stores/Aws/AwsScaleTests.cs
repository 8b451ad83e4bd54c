using System.Diagnostics;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Aws;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary>
/// Backend calls per refresh interval with the aws store: many ExternalSecrets over fewer Secrets Manager secrets
/// through one ClusterSecretStore read each secret once per interval (the figure, at a tenth of its size).
/// </summary>
public sealed class AwsScaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThousandExternalSecrets_HundredSecrets_OneGetSecretValuePerSecretPerInterval()
    {
        const int externalSecrets = 1000;
        const int secrets = 100;
        await using var aws = await FakeAwsServer.StartAsync();
        aws.AddKey(AwsStoreTestContext.KeyId, AwsStoreTestContext.SecretKey, AwsStoreTestContext.StaticPrincipal);
        await using var ctx = await EsoTestContext.StartAsync(services: (s, clock) =>
        {
            aws.Now = clock.GetUtcNow;
            s.AddSingleton(AwsStoreTestContext.Options(aws)).AddSingleton(AwsControllerIdentity.None).AddExternalSecretStores();
        });
        for (var k = 0; k < secrets; k++)
        {
            aws.PutSecret(AwsStoreTestContext.Region, $"app/s{k}", $"value-{k}");
        }

        ctx.Server.Put("", "secrets", EsoTestContext.Ns, FakeKubeApiServer.Secret("aws-keys", new Dictionary<string, string> { ["id"] = AwsStoreTestContext.KeyId, ["secret"] = AwsStoreTestContext.SecretKey }));
        ctx.Server.PutObject(FakeKubeApiServer.EsoGroup, "clustersecretstores", null, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "ClusterSecretStore",
            ["metadata"] = new JsonObject { ["name"] = "aws" },
            ["spec"] = new JsonObject { ["provider"] = new JsonObject { ["aws"] = AwsStoreTestContext.KeysBlock() } },
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "Valid" }) },
        });
        for (var i = 0; i < externalSecrets; i++)
        {
            ctx.PutExternalSecret($"es-{i}", EsoTestContext.Spec("aws", storeKind: "ClusterSecretStore", data: EsoTestContext.Data(("v", $"app/s{i % secrets}"))));
        }

        var watch = Stopwatch.StartNew();
        await ReconcileAllAsync(ctx, externalSecrets);
        var first = (Elapsed: watch.Elapsed, Calls: aws.Calls("secretsmanager.GetSecretValue"));
        aws.ResetCounts();
        ctx.Clock.Advance(TimeSpan.FromMinutes(61));
        watch.Restart();
        await ReconcileAllAsync(ctx, externalSecrets);
        var second = (Elapsed: watch.Elapsed, Calls: aws.Calls("secretsmanager.GetSecretValue"));

        output.WriteLine($"{externalSecrets} ExternalSecrets over {secrets} Secrets Manager secrets: first sync {first.Elapsed.TotalMilliseconds:F0} ms, {first.Calls} GetSecretValue; after one refresh interval {second.Elapsed.TotalMilliseconds:F0} ms, {second.Calls} GetSecretValue");
        first.Calls.Should().Be(secrets);
        second.Calls.Should().Be(secrets);
        ctx.Value($"es-{externalSecrets - 1}", "v").Should().Be($"value-{(externalSecrets - 1) % secrets}");
    }

    private static async Task ReconcileAllAsync(EsoTestContext ctx, int count)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var result = await ctx.Reconciler.ReconcileAsync(new ObjectKey(EsoTestContext.Ns, $"es-{i}"), CancellationToken.None);
                result.Failed.Should().BeFalse();
            }
        }));
    }
}
