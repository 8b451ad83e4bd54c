using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Reconcile.PushSecrets;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets.PushSecrets;

/// <summary>PushSecret through the loopback API server into the <c>fake</c> store: policies, status, events, deletion.</summary>
public sealed class PushSecretReconcilerTests
{
    private const string Store = "fake-store";
    private const string Value = "s3cr3t-push-value";

    private static async Task<PushSecretTestContext> StartAsync()
    {
        var ctx = await PushSecretTestContext.StartAsync();
        ctx.FakeStore(Store, ("static/owned-by-someone", "theirs"));
        ctx.PutSecret("source", new Dictionary<string, string> { ["password"] = Value, ["user"] = "app" });
        return ctx;
    }

    [Fact]
    public async Task Push_NewPushSecret_WritesValueAndReportsSyncedStatusAndEvent()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null))));

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeFalse();
        result.RequeueAfter.Should().Be(TimeSpan.FromHours(1));
        (await ctx.RemoteAsync(Store, "db/password")).Should().Be(Value);
        var ps = ctx.PushSecret("push")!;
        ps.Metadata.Finalizers.Should().BeNull("deletionPolicy None needs no finalizer");
        ps.Status!.SyncedResourceVersion.Should().Be($"1-{EsoHashes.MetaHash(null, null)}");
        ps.Status.RefreshTime.Should().NotBeNullOrEmpty();
        ps.Status.SyncedPushSecrets.Should().ContainKey("SecretStore/fake-store").WhoseValue.Should().ContainKey("db/password");
        ctx.Ready("push").Should().BeEquivalentTo(new { Status = "True", Reason = "Synced", Message = PushSecretReconciler.SyncedMessage });
        ctx.HasEvent("Normal", "Synced").Should().BeTrue();
        ctx.Events.Should().OnlyContain(e => e["source"]!["component"]!.GetValue<string>() == "pushsecret");
        ctx.Registry.Render().Should().Contain("pushsecret_status_condition{name=\"push\",namespace=\"team-a\",condition=\"Ready\",status=\"True\"} 1")
            .And.Contain("pushsecret_reconcile_duration{name=\"push\",namespace=\"team-a\"}");
        ctx.Observable.Should().NotContain(Value);
    }

    [Fact]
    public async Task Push_SecondReconcileWithinInterval_NoApiWriteAndRequeuedForTheRest()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null))));
        await ctx.ReconcileAsync("push");
        var writes = ctx.Server.Requests.Count(r => r.Verb is "create" or "update" or "patch");

        ctx.Clock.Advance(TimeSpan.FromMinutes(10));
        var result = await ctx.ReconcileAsync("push");

        ctx.Server.Requests.Count(r => r.Verb is "create" or "update" or "patch").Should().Be(writes);
        result.RequeueAfter.Should().BeCloseTo(TimeSpan.FromMinutes(50) + TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), "refreshTime is kept to the second");
    }

    [Fact]
    public async Task Push_IntervalElapsedSourceChanged_NewValueWritten()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null))));
        await ctx.ReconcileAsync("push");

        ctx.PutSecret("source", new Dictionary<string, string> { ["password"] = "rotated-value" });
        ctx.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync(Store, "db/password")).Should().Be("rotated-value");
        ctx.Logs.AllText.Should().Contain("1 of 1 remote entries written");
    }

    [Fact]
    public async Task Push_IntervalElapsedNothingChanged_StoreNotWrittenAgain()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null))));
        await ctx.ReconcileAsync("push");

        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("push");

        ctx.Logs.Lines.Where(l => l.Contains("remote entries written", StringComparison.Ordinal)).Should().HaveCount(2)
            .And.Contain(l => l.Contains("0 of 1 remote entries written", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Push_RefreshIntervalZero_PushesOncePerSpecChange()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null)), refreshInterval: "0s"));
        (await ctx.ReconcileAsync("push")).RequeueAfter.Should().BeNull();
        ctx.PutSecret("source", new Dictionary<string, string> { ["password"] = "rotated-value", ["user"] = "app" });

        ctx.Clock.Advance(TimeSpan.FromDays(1));
        await ctx.ReconcileAsync("push");
        (await ctx.RemoteAsync(Store, "db/password")).Should().Be(Value, "interval 0 does not push again on time");

        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "pushsecrets", PushSecretTestContext.Ns, "push", o => o["spec"]!["data"] = PushSecretTestContext.Data(("password", "db/password", null), ("user", "db/user", null)));
        await ctx.ReconcileAsync("push");
        (await ctx.RemoteAsync(Store, "db/password")).Should().Be("rotated-value");
        (await ctx.RemoteAsync(Store, "db/user")).Should().Be("app");
    }

    [Fact]
    public async Task Push_TwoPropertiesOfOneRemoteKey_MergedIntoOneJsonObject()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/creds", "pass"), ("user", "db/creds", "name"))));

        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync(Store, "db/creds", "pass")).Should().Be(Value);
        (await ctx.RemoteAsync(Store, "db/creds", "name")).Should().Be("app");
        ctx.PushSecret("push")!.Status!.SyncedPushSecrets!["SecretStore/fake-store"].Keys.Should().BeEquivalentTo("db/creds/pass", "db/creds/name");
    }

    [Fact]
    public async Task Push_EmptySecretKey_WholeSecretAsJsonObject()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data((null, "db/all", null))));

        await ctx.ReconcileAsync("push");

        JsonNode.Parse((await ctx.RemoteAsync(Store, "db/all"))!)!.ToJsonString().Should().Be($"{{\"password\":\"{Value}\",\"user\":\"app\"}}");
    }

    [Fact]
    public async Task Push_ReverseUnicode_EscapedSourceKeyMatchesItsCharacter()
    {
        await using var ctx = await StartAsync();
        ctx.PutSecret("source", new Dictionary<string, string> { ["db_U002E_host"] = "db.internal" });
        var data = PushSecretTestContext.Data(("db.host", "db/host", null));
        data[0]!["conversionStrategy"] = "ReverseUnicode";
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", data));

        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync(Store, "db/host")).Should().Be("db.internal");
    }

    [Fact]
    public async Task Push_Template_RenderedInMemoryBeforePushing_SourceSecretUnchanged()
    {
        await using var ctx = await StartAsync();
        var spec = PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("dsn", "db/dsn", null)));
        spec["template"] = new JsonObject { ["data"] = new JsonObject { ["dsn"] = "postgres://{{ .user }}:{{ .password }}@db" } };
        ctx.PutPushSecret("push", spec);

        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync(Store, "db/dsn")).Should().Be($"postgres://app:{Value}@db");
        ctx.Server.Get(string.Empty, "secrets", PushSecretTestContext.Ns, "source")!["data"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo("password", "user");
    }

    [Fact]
    public async Task IfNotExists_RemoteAlreadyHoldsKey_LeftUnchangedAndSaidSo()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("first", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("user", "db/password", null))));
        await ctx.ReconcileAsync("first");
        ctx.PutPushSecret("second", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null)), updatePolicy: "IfNotExists"));

        await ctx.ReconcileAsync("second");

        (await ctx.RemoteAsync(Store, "db/password")).Should().Be("app");
        ctx.Ready("second").Should().BeEquivalentTo(new { Status = "True", Reason = "Synced", Message = PushSecretReconciler.SyncedMessage + PushSecretReconciler.UnchangedSuffix });
        ctx.PushSecret("second")!.Status!.SyncedPushSecrets!["SecretStore/fake-store"].Should().ContainKey("db/password");
    }

    [Fact]
    public async Task IfNotExists_RemoteMissing_Written()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null)), updatePolicy: "IfNotExists"));

        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync(Store, "db/password")).Should().Be(Value);
    }

    [Fact]
    public async Task Replace_RemoteNotManagedByUs_ErroredConflictAndRetried_RemoteUnchanged()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "static/owned-by-someone", null))));

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeTrue();
        (await ctx.RemoteAsync(Store, "static/owned-by-someone")).Should().Be("theirs");
        ctx.Registry.Render().Should().Contain("pushsecret_status_condition{name=\"push\",namespace=\"team-a\",condition=\"Ready\",status=\"False\"} 1");
        var ready = ctx.Ready("push")!;
        ready.Status.Should().Be("False");
        ready.Reason.Should().Be("Errored");
        ready.Message.Should().StartWith("set secret failed: could not write remote ref password to target secretstore fake-store").And.Contain("not managed by external-secrets");
        ctx.HasEvent("Warning", "Errored").Should().BeTrue();
        ctx.Observable.Should().NotContain(Value);
    }

    [Fact]
    public async Task DeletePolicy_EntryLeavesSpec_OnlyThatRemoteEntryDeleted()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null), ("user", "db/user", null)), deletionPolicy: "Delete"));
        await ctx.ReconcileAsync("push");
        ctx.PushSecret("push")!.Metadata.Finalizers.Should().Contain(PushSecretReconciler.Finalizer);

        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "pushsecrets", PushSecretTestContext.Ns, "push", o => o["spec"]!["data"] = PushSecretTestContext.Data(("password", "db/password", null)));
        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync(Store, "db/user")).Should().BeNull();
        (await ctx.RemoteAsync(Store, "db/password")).Should().Be(Value);
        ctx.PushSecret("push")!.Status!.SyncedPushSecrets!["SecretStore/fake-store"].Keys.Should().Equal("db/password");
    }

    [Fact]
    public async Task DeletePolicy_PushSecretDeleted_RemoteEntriesRemovedThenFinalizerReleased()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null)), deletionPolicy: "Delete"));
        await ctx.ReconcileAsync("push");

        ctx.Server.DeleteObject(FakeKubeApiServer.EsoGroup, "pushsecrets", PushSecretTestContext.Ns, "push");
        ctx.PushSecret("push").Should().NotBeNull("the finalizer holds it");
        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync(Store, "db/password")).Should().BeNull();
        ctx.PushSecret("push").Should().BeNull();
    }

    [Fact]
    public async Task NonePolicy_PushSecretDeleted_NoFinalizerAndRemoteKept()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null))));
        await ctx.ReconcileAsync("push");

        ctx.Server.DeleteObject(FakeKubeApiServer.EsoGroup, "pushsecrets", PushSecretTestContext.Ns, "push");

        ctx.PushSecret("push").Should().BeNull();
        (await ctx.RemoteAsync(Store, "db/password")).Should().Be(Value);
    }

    [Fact]
    public async Task DeletePolicy_SourceSecretDeleted_RemoteCleanedUpAndSourceDeletedReported()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null)), deletionPolicy: "Delete"));
        await ctx.ReconcileAsync("push");

        ctx.Server.Delete(string.Empty, "secrets", PushSecretTestContext.Ns, "source");
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeFalse();
        (await ctx.RemoteAsync(Store, "db/password")).Should().BeNull();
        ctx.Ready("push").Should().BeEquivalentTo(new { Status = "False", Reason = "SourceDeleted", Message = PushSecretReconciler.SourceDeletedMessage });
        ctx.PushSecret("push")!.Status!.SyncedPushSecrets.Should().BeNull();
        ctx.HasEvent("Normal", "SourceDeleted").Should().BeTrue();
    }

    [Fact]
    public async Task NonePolicy_SourceSecretMissing_ErroredAndRetried()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "absent", PushSecretTestContext.Data(("password", "db/password", null))));

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeTrue();
        ctx.Ready("push").Should().BeEquivalentTo(new { Status = "False", Reason = "Errored", Message = "could not get source secret" });
    }

    [Fact]
    public async Task SourceSecretMissingKey_ErroredNamingTheKey_NothingWritten()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null), ("missing", "db/missing", null))));

        await ctx.ReconcileAsync("push");

        ctx.Ready("push")!.Message.Should().Be("set secret failed: secret key missing does not exist");
        (await ctx.RemoteAsync(Store, "db/missing")).Should().BeNull();
    }

    [Fact]
    public async Task StoreNotFound_ErroredWithTheStoreName()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec("nope", "source", PushSecretTestContext.Data(("password", "db/password", null))));

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeTrue();
        ctx.Ready("push")!.Message.Should().Be("could not get SecretStore \"nope\", not found");
    }

    [Fact]
    public async Task StoreNotWritable_ClearErrorNotRetried()
    {
        await using var ctx = await StartAsync();
        ctx.Store("ro", "readonly", []);
        ctx.PutPushSecret("push", PushSecretTestContext.Spec("ro", "source", PushSecretTestContext.Data(("password", "db/password", null))));

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeFalse();
        result.RequeueAfter.Should().BeNull();
        ctx.Ready("push")!.Message.Should().Contain("SecretStore \"ro\": provider \"readonly\" does not support PushSecret");
    }

    [Fact]
    public async Task StoresByLabelSelector_EveryMatchingStorePushed_OthersNot()
    {
        await using var ctx = await StartAsync();
        ctx.Store("team-1", "fake", new JsonObject { ["data"] = new JsonArray() }, labels: new() { ["push"] = "yes" });
        ctx.Store("team-2", "fake", new JsonObject { ["data"] = new JsonArray() }, labels: new() { ["push"] = "yes" });
        ctx.Store("other", "fake", new JsonObject { ["data"] = new JsonArray() }, labels: new() { ["push"] = "no" });
        var spec = PushSecretTestContext.Spec("unused", "source", PushSecretTestContext.Data(("password", "db/password", null)));
        spec["secretStoreRefs"] = new JsonArray(new JsonObject { ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["push"] = "yes" } } });
        ctx.PutPushSecret("push", spec);

        await ctx.ReconcileAsync("push");

        (await ctx.RemoteAsync("team-1", "db/password")).Should().Be(Value);
        (await ctx.RemoteAsync("team-2", "db/password")).Should().Be(Value);
        (await ctx.RemoteAsync("other", "db/password")).Should().BeNull();
        ctx.PushSecret("push")!.Status!.SyncedPushSecrets!.Keys.Should().BeEquivalentTo("SecretStore/team-1", "SecretStore/team-2");
    }

    [Fact]
    public async Task StoreOfAnotherControllerClass_SkippedWithoutStatus()
    {
        await using var ctx = await StartAsync();
        ctx.Store("theirs", "fake", new JsonObject { ["data"] = new JsonArray() }, controller: "other-class");
        ctx.PutPushSecret("push", PushSecretTestContext.Spec("theirs", "source", PushSecretTestContext.Data(("password", "db/password", null))));

        var result = await ctx.ReconcileAsync("push");

        result.Should().Be(CsiDriver.ExternalSecrets.Runtime.ReconcileResult.Done);
        ctx.PushSecret("push")!.Status.Should().BeNull();
        (await ctx.RemoteAsync("theirs", "db/password")).Should().BeNull();
    }

    [Theory]
    [InlineData("generatorRef")]
    [InlineData("labelSelectedSource")]
    public async Task UnsupportedSource_ErroredNotRetried(string source)
    {
        await using var ctx = await StartAsync();
        var spec = PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "db/password", null)));
        spec["selector"] = source == "generatorRef"
            ? new JsonObject { ["generatorRef"] = new JsonObject { ["kind"] = "Password", ["name"] = "pw" } }
            : new JsonObject { ["secret"] = new JsonObject { ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["a"] = "b" } } } };
        ctx.PutPushSecret("push", spec);

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeFalse();
        ctx.Ready("push")!.Message.Should().Contain("not supported by this controller yet");
    }
}
