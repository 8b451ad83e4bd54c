using System.Text.Json;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Tests.Kubernetes;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>refreshPolicy, refreshInterval, force-sync and immutable targets.</summary>
public sealed class ExternalSecretRefreshTests
{
    private const string Store = "store";

    private static async Task<EsoTestContext> StartAsync(string? refreshInterval = "1h", string? refreshPolicy = null, bool immutable = false)
    {
        var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("k", "v1", null)]);
        var target = immutable ? new JsonObject { ["immutable"] = true } : null;
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, target: target, data: EsoTestContext.Data(("value", "k")), refreshInterval: refreshInterval, refreshPolicy: refreshPolicy));
        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("v1");
        ctx.SetStoreData(Store, ("k", "v2"));
        return ctx;
    }

    private static void ForceSync(EsoTestContext ctx, string value) =>
        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "es", es =>
            es["metadata"]!["annotations"] = new JsonObject { ["force-sync"] = value });

    [Fact]
    public async Task Periodic_BeforeInterval_NotRefreshed_AfterInterval_Refreshed()
    {
        await using var ctx = await StartAsync();

        ctx.Clock.Advance(TimeSpan.FromMinutes(30));
        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("v1");

        ctx.Clock.Advance(TimeSpan.FromMinutes(31));
        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("v2");
        ctx.HasEvent("Normal", "Updated").Should().BeTrue();
    }

    [Fact]
    public async Task RefreshIntervalZero_SyncedOnce_NoTimedRequeue()
    {
        await using var ctx = await StartAsync(refreshInterval: "0s");

        ctx.Clock.Advance(TimeSpan.FromDays(2));
        var result = await ctx.ReconcileAsync("es");

        result.RequeueAfter.Should().BeNull();
        ctx.Value("es", "value").Should().Be("v1");
    }

    [Fact]
    public async Task ForceSync_StoreEditedButNotYetWatched_ReadsTheStoreFromTheApiServer()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("k", "v1", null)]);
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("value", "k"))));
        // The controller's informer has the store as it is now; reconciles reuse the store they read while it holds that version.
        var informed = new ObjectCache(StoreContext.SecretStoreKind);
        var store = ctx.Server.Get(FakeKubeApiServer.EsoGroup, "secretstores", EsoTestContext.Ns, Store)!;
        informed.Replace([CachedObject.From(store.Deserialize(WatchJsonContext.Default.WatchedObject)!, StoreContext.SecretStoreKind, clusterScoped: false)]);
        ctx.Services.GetRequiredService<InformerCaches>().Add(informed);
        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("v1");

        // The store is edited and the user force-syncs before the watch has delivered the edit to the informer.
        ctx.SetStoreData(Store, ("k", "v2"));
        ForceSync(ctx, "1");
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("v2");
    }

    [Fact]
    public async Task ForceSyncAnnotation_Periodic_RefreshesBeforeInterval()
    {
        await using var ctx = await StartAsync();

        ForceSync(ctx, "1");
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("v2");
        ctx.TypedSecret("es")!.Metadata.Annotations.Should().Contain("force-sync", "1", "with no template the ExternalSecret's annotations are copied");
    }

    [Fact]
    public async Task CreatedOnce_ForceSyncAndTime_NeverRefreshed()
    {
        await using var ctx = await StartAsync(refreshPolicy: "CreatedOnce");

        ForceSync(ctx, "1");
        ctx.Clock.Advance(TimeSpan.FromDays(1));
        var result = await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("v1");
        result.RequeueAfter.Should().BeNull();
    }

    [Fact]
    public async Task CreatedOnce_SecretDeleted_Recreated()
    {
        await using var ctx = await StartAsync(refreshPolicy: "CreatedOnce");

        ctx.Server.DeleteObject(string.Empty, "secrets", EsoTestContext.Ns, "es");
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("v2");
    }

    [Fact]
    public async Task OnChange_TimeAlone_NotRefreshed_MetadataChange_Refreshed()
    {
        await using var ctx = await StartAsync(refreshPolicy: "OnChange");

        ctx.Clock.Advance(TimeSpan.FromDays(1));
        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("v1");

        ForceSync(ctx, "2");
        await ctx.ReconcileAsync("es");
        ctx.Value("es", "value").Should().Be("v2");
    }

    [Fact]
    public async Task SpecChange_GenerationBumped_Refreshed()
    {
        await using var ctx = await StartAsync();

        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "es", es => es["spec"]!["data"] = EsoTestContext.Data(("renamed", "k")));
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "renamed").Should().Be("v2");
        ctx.Value("es", "value").Should().BeNull();
        ctx.ExternalSecret("es")!.Status!.SyncedResourceVersion.Should().StartWith("2-");
    }

    [Fact]
    public async Task Immutable_ProviderChanges_DataKeptFrozen()
    {
        await using var ctx = await StartAsync(immutable: true);
        ctx.TypedSecret("es")!.Immutable.Should().BeTrue();

        ForceSync(ctx, "1");
        var result = await ctx.ReconcileAsync("es");

        result.Failed.Should().BeFalse();
        ctx.Value("es", "value").Should().Be("v1");
        ctx.Ready("es")!.Status.Should().Be("True");
    }

    [Fact]
    public async Task ImmutableSecretSetOutside_DataDiffers_ReadyFalseTargetImmutable()
    {
        await using var ctx = await StartAsync();
        ctx.Server.Mutate(string.Empty, "secrets", EsoTestContext.Ns, "es", s => s["immutable"] = true);

        ForceSync(ctx, "1");
        await ctx.ReconcileAsync("es");

        ctx.Value("es", "value").Should().Be("v1");
        ctx.Ready("es").Should().BeEquivalentTo(new { Status = "False", Message = "could not update secret, target is immutable" });
    }
}
