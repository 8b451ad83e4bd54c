using System.Diagnostics;
using CsiDriver.ExternalSecrets.Runtime;
using Xunit.Abstractions;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>Many ExternalSecrets over few keys: one backend read per key, and no API write when nothing changed.</summary>
public sealed class ExternalSecretScaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ManyExternalSecrets_FewKeys_OneReadPerKeyAndNoWritesOnSecondPass()
    {
        const int externalSecrets = 300;
        const int keys = 30;
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore("shared", Enumerable.Range(0, keys).Select(k => ($"key-{k}", $"value-{k}", (string?)null)).ToArray(), kind: "ClusterSecretStore");
        for (var i = 0; i < externalSecrets; i++)
        {
            ctx.PutExternalSecret($"es-{i}", EsoTestContext.Spec("shared", storeKind: "ClusterSecretStore", data: EsoTestContext.Data(("v", $"key-{i % keys}"))));
        }

        var watch = Stopwatch.StartNew();
        await ReconcileAllAsync(ctx, externalSecrets);
        var firstSync = watch.Elapsed;
        var writesAfterFirst = ctx.Writes;

        ctx.Clock.Advance(TimeSpan.FromMinutes(5));
        watch.Restart();
        await ReconcileAllAsync(ctx, externalSecrets);
        var secondPass = watch.Elapsed;

        output.WriteLine($"{externalSecrets} ExternalSecrets over {keys} keys: first sync {firstSync.TotalMilliseconds:F0} ms, {ctx.FakeReads} backend reads, {writesAfterFirst} API writes; second pass {secondPass.TotalMilliseconds:F0} ms, {ctx.Writes - writesAfterFirst} API writes");
        ctx.FakeReads.Should().Be(keys);
        ctx.Writes.Should().Be(writesAfterFirst);
        ctx.Value($"es-{externalSecrets - 1}", "v").Should().Be($"value-{(externalSecrets - 1) % keys}");
    }

    private static async Task ReconcileAllAsync(EsoTestContext ctx, int count)
    {
        // Eight workers, as a controller's work queue would run them.
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
