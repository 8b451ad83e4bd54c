using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>Creation and deletion policies, ownership, unmanaged Secrets, failures and deletion, through the loopback API server.</summary>
public sealed class ExternalSecretPolicyTests
{
    private const string Store = "vault-ish";

    private static async Task<EsoTestContext> StartWithStoreAsync()
    {
        var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("db/password", "s3cr3t-value", null), ("db/user", "app", null)]);
        return ctx;
    }

    private static JsonObject Target(string? creation = null, string? deletion = null, string? name = null)
    {
        var target = new JsonObject();
        if (creation is not null)
        {
            target["creationPolicy"] = creation;
        }

        if (deletion is not null)
        {
            target["deletionPolicy"] = deletion;
        }

        if (name is not null)
        {
            target["name"] = name;
        }

        return target;
    }

    [Fact]
    public async Task Owner_NewExternalSecret_CreatesLabelledOwnedSecretAndReadyStatus()
    {
        await using var ctx = await StartWithStoreAsync();
        var es = ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"), ("user", "db/user"))));

        var result = await ctx.ReconcileAsync("db");

        result.Failed.Should().BeFalse();
        result.RequeueAfter.Should().Be(TimeSpan.FromHours(1));
        var secret = ctx.TypedSecret("db")!;
        ctx.Value("db", "password").Should().Be("s3cr3t-value");
        ctx.Value("db", "user").Should().Be("app");
        secret.Type.Should().Be("Opaque");
        secret.Metadata.Labels.Should().Contain(ExternalSecretReconciler.ManagedLabel, "true")
            .And.Contain(ExternalSecretReconciler.CreatedByLabel, EsoHashes.CreatedBy(EsoTestContext.Ns, "db"));
        secret.Metadata.Annotations.Should().Contain(ExternalSecretReconciler.DataHashAnnotation, EsoHashes.DataHash(secret.Data));
        var owner = secret.Metadata.OwnerReferences.Should().ContainSingle().Subject;
        owner.Should().BeEquivalentTo(new { ApiVersion = "external-secrets.io/v1", Kind = "ExternalSecret", Name = "db", Uid = es["metadata"]!["uid"]!.GetValue<string>(), Controller = (bool?)true, BlockOwnerDeletion = (bool?)true });

        var updated = ctx.ExternalSecret("db")!;
        updated.Metadata.Finalizers.Should().Contain(ExternalSecretReconciler.Finalizer);
        updated.Status!.Binding!.Name.Should().Be("db");
        updated.Status.RefreshTime.Should().NotBeNullOrEmpty();
        updated.Status.SyncedResourceVersion.Should().Be($"1-{EsoHashes.MetaHash(null, null)}");
        ctx.Ready("db").Should().BeEquivalentTo(new { Status = "True", Reason = "SecretSynced", Message = "secret synced" });
        ctx.HasEvent("Normal", "Created").Should().BeTrue();
        ctx.Events.Should().OnlyContain(e => e["source"]!["component"]!.GetValue<string>() == "external-secrets");
    }

    [Fact]
    public async Task Owner_SecondReconcileWithNothingChanged_MakesNoApiWrite()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");
        var writes = ctx.Writes;
        var reads = ctx.FakeReads;

        ctx.Clock.Advance(TimeSpan.FromMinutes(10));
        var before = ctx.Clock.GetUtcNow();
        var result = await ctx.ReconcileAsync("db");
        var after = ctx.Clock.GetUtcNow();

        ctx.Writes.Should().Be(writes, "nothing changed, so nothing is written: {0}", string.Join(", ", ctx.WriteRequests.Skip(writes)));
        ctx.FakeReads.Should().Be(reads, "the refresh interval has not passed");
        var due = ReadyCondition.Parse(ctx.ExternalSecret("db")!.Status!.RefreshTime)!.Value + TimeSpan.FromHours(1);
        (due - after).Should().BeCloseTo(TimeSpan.FromMinutes(50), TimeSpan.FromSeconds(5));
        ShouldWaitUntil(result, due, before, after);
    }

    /// <summary>
    /// The requeue of a reconcile run between <paramref name="before"/> and <paramref name="after"/> on the harness clock
    /// (real time moved forward by the test, so it runs on while the reconcile does) for a refresh due at <paramref name="due"/>,
    /// as the status says it; the reconciler may know the last refresh to the tick, up to a second after the status's time.
    /// </summary>
    private static void ShouldWaitUntil(ReconcileResult result, DateTimeOffset due, DateTimeOffset before, DateTimeOffset after) =>
        result.RequeueAfter!.Value.Should().BeGreaterThanOrEqualTo(due - after).And.BeLessThanOrEqualTo(due + TimeSpan.FromSeconds(1) - before);

    [Fact]
    public async Task Owner_ResyncAfterIntervalWithSameData_ReadsStoreAndMakesNoApiWrite()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");
        var writes = ctx.Writes;
        var reads = ctx.FakeReads;
        var refreshTime = ctx.ExternalSecret("db")!.Status!.RefreshTime;

        ctx.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var refreshStart = ctx.Clock.GetUtcNow();
        var refreshed = await ctx.ReconcileAsync("db");
        var refreshEnd = ctx.Clock.GetUtcNow();
        ctx.Clock.Advance(TimeSpan.FromMinutes(30));
        var earlyStart = ctx.Clock.GetUtcNow();
        var early = await ctx.ReconcileAsync("db");
        var earlyEnd = ctx.Clock.GetUtcNow();

        ctx.FakeReads.Should().Be(reads + 1, "the interval passed, so the store is read once; half an interval later it is not read again");
        ctx.Writes.Should().Be(writes, "the Secret is unchanged, so neither it nor the status is written: {0}", string.Join(", ", ctx.WriteRequests.Skip(writes)));
        ctx.ExternalSecret("db")!.Status!.RefreshTime.Should().Be(refreshTime);
        refreshed.RequeueAfter!.Value.Should().BeCloseTo(TimeSpan.FromHours(1), TimeSpan.FromSeconds(1));
        early.RequeueAfter!.Value.Should().BeGreaterThanOrEqualTo(refreshStart + TimeSpan.FromHours(1) - earlyEnd)
            .And.BeLessThanOrEqualTo(refreshEnd + TimeSpan.FromHours(1) - earlyStart, "the quiet refresh is remembered to the tick, not to the status's second");
    }

    [Fact]
    public async Task Owner_ResyncAfterIntervalWithNewValue_UpdatesSecretAndRefreshTime()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");
        var refreshTime = ctx.ExternalSecret("db")!.Status!.RefreshTime;
        var writes = ctx.Writes;

        ctx.SetStoreData(Store, ("db/password", "rotated-value"));
        ctx.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await ctx.ReconcileAsync("db");

        ctx.Value("db", "password").Should().Be("rotated-value");
        ctx.WriteRequests.Skip(writes).Select(r => r.Resource).Should().Contain(["secrets", "externalsecrets/status"]);
        ctx.ExternalSecret("db")!.Status!.RefreshTime.Should().NotBe(refreshTime);
    }

    [Fact]
    public async Task Orphan_CreatesSecretWithoutOwnerReference()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target("Orphan"), data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("db");

        var secret = ctx.TypedSecret("db")!;
        secret.Metadata.OwnerReferences.Should().BeNullOrEmpty();
        secret.Metadata.Labels.Should().Contain(ExternalSecretReconciler.ManagedLabel, "true").And.NotContainKey(ExternalSecretReconciler.CreatedByLabel);
        ctx.Value("db", "password").Should().Be("s3cr3t-value");
    }

    [Fact]
    public async Task Merge_SecretMissing_NotCreatedAndReadyTrueSecretMissing()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target("Merge"), data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("db");

        ctx.Secret("db").Should().BeNull();
        ctx.Ready("db").Should().BeEquivalentTo(new { Status = "True", Reason = "SecretMissing", Message = "secret will not be created due to CreationPolicy=Merge" });
    }

    [Fact]
    public async Task Merge_UnmanagedExistingSecret_MergedKeepingForeignKeys()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutSecret("db", new Dictionary<string, string> { ["foreign"] = "kept", ["password"] = "old" });
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target("Merge"), data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("db");

        ctx.Value("db", "foreign").Should().Be("kept");
        ctx.Value("db", "password").Should().Be("s3cr3t-value");
        var secret = ctx.TypedSecret("db")!;
        secret.Metadata.Labels.Should().Contain(ExternalSecretReconciler.ManagedLabel, "true");
        secret.Metadata.OwnerReferences.Should().BeNullOrEmpty();
        ctx.Ready("db")!.Status.Should().Be("True");
    }

    [Fact]
    public async Task None_NothingWrittenButReady()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target("None"), data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("db");

        ctx.Secret("db").Should().BeNull();
        ctx.WriteRequests.Should().NotContain(r => r.Resource == "secrets");
        ctx.Ready("db")!.Reason.Should().Be("SecretSynced");
    }

    [Theory]
    [InlineData("Owner")]
    [InlineData("Orphan")]
    public async Task UnmanagedExistingSecret_OwnerOrOrphan_LeftUntouchedAndReadyFalse(string policy)
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutSecret("db", new Dictionary<string, string> { ["password"] = "theirs" });
        var before = ctx.Secret("db")!.ToJsonString();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target(policy), data: EsoTestContext.Data(("password", "db/password"))));

        var result = await ctx.ReconcileAsync("db");

        ctx.Secret("db")!.ToJsonString().Should().Be(before);
        ctx.WriteRequests.Should().NotContain(r => r.Resource == "secrets");
        result.Failed.Should().BeTrue();
        ctx.Ready("db").Should().BeEquivalentTo(new { Status = "False", Reason = "SecretSyncedError" });
        ctx.HasEvent("Warning", "UpdateFailed").Should().BeTrue();
    }

    [Fact]
    public async Task SecretAlreadyLabelledManaged_TakenOver()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutSecret("db", new Dictionary<string, string> { ["password"] = "from-eso", ["stale"] = "x" }, new Dictionary<string, string> { [ExternalSecretReconciler.ManagedLabel] = "true" });
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("db");

        ctx.Value("db", "password").Should().Be("s3cr3t-value");
        ctx.Value("db", "stale").Should().BeNull("Owner rebuilds the data");
        ctx.TypedSecret("db")!.Metadata.OwnerReferences.Should().ContainSingle(o => o.Kind == "ExternalSecret" && o.Controller == true);
        ctx.HasEvent("Normal", "Updated").Should().BeTrue();
    }

    [Fact]
    public async Task Owner_SecretControlledByAnotherExternalSecret_ReadyFalseNotRequeued()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutSecret("shared", new Dictionary<string, string> { ["password"] = "x" }, new Dictionary<string, string> { [ExternalSecretReconciler.ManagedLabel] = "true" });
        ctx.Server.Mutate(string.Empty, "secrets", EsoTestContext.Ns, "shared", s => s["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1", ["kind"] = "ExternalSecret", ["name"] = "other", ["uid"] = "other-uid", ["controller"] = true,
        }));
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target(name: "shared"), data: EsoTestContext.Data(("password", "db/password"))));

        var result = await ctx.ReconcileAsync("db");

        result.Should().Be(CsiDriver.ExternalSecrets.Runtime.ReconcileResult.Done);
        ctx.Ready("db").Should().BeEquivalentTo(new { Status = "False", Message = "target is owned by another ExternalSecret" });
        ctx.Value("shared", "password").Should().Be("x");
    }

    [Fact]
    public async Task BackendFailure_SecretKeptAndReadyFalseWithoutValues()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");
        var before = ctx.Secret("db")!.ToJsonString();

        // The key disappears from the backend (Retain: a not-found is an error) and the next refresh is due.
        ctx.SetStoreData(Store, ("other", "another-secret-value"));
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        var result = await ctx.ReconcileAsync("db");

        result.Failed.Should().BeTrue();
        ctx.Secret("db")!.ToJsonString().Should().Be(before);
        ctx.Ready("db").Should().BeEquivalentTo(new { Status = "False", Reason = "SecretSyncedError", Message = "could not get secret data from provider" });
        ctx.HasEvent("Warning", "UpdateFailed").Should().BeTrue();
        ctx.Observable.Should().NotContain("s3cr3t-value").And.NotContain("another-secret-value");
        ctx.Registry.Render().Should().Contain("externalsecret_sync_calls_error{name=\"db\",namespace=\"team-a\"} 1");
    }

    [Fact]
    public async Task StoreNotReady_FloodGate_ReadyFalseAndNoRead()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("db/password", "s3cr3t-value", null)], ready: false);
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));

        var result = await ctx.ReconcileAsync("db");

        result.Failed.Should().BeTrue();
        ctx.FakeReads.Should().Be(0);
        ctx.Secret("db").Should().BeNull();
        ctx.Ready("db")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("is not ready", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MissingStore_ReadyFalse()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec("nowhere", data: EsoTestContext.Data(("password", "db/password"))));

        var result = await ctx.ReconcileAsync("db");

        result.Failed.Should().BeTrue();
        ctx.Ready("db")!.Reason.Should().Be("SecretSyncedError");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("could not get SecretStore \"nowhere\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StoreOfAnotherControllerClass_SkippedWithoutStatusWrite()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("db/password", "s3cr3t-value", null)], controller: "other-class");
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("db");

        ctx.Secret("db").Should().BeNull();
        ctx.ExternalSecret("db")!.Status.Should().BeNull();
        ctx.WriteRequests.Should().NotContain(r => r.Resource == "externalsecrets/status");
    }

    [Fact]
    public async Task DeletionPolicyDelete_ProviderKeyGone_SecretDeleted()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target(deletion: "Delete"), data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");
        ctx.Secret("db").Should().NotBeNull();

        ctx.SetStoreData(Store);
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("db");

        ctx.Secret("db").Should().BeNull();
        ctx.Ready("db").Should().BeEquivalentTo(new { Status = "True", Reason = "SecretDeleted", Message = "secret deleted due to DeletionPolicy=Delete" });
        ctx.HasEvent("Normal", "MissingProviderSecret").Should().BeTrue();
        ctx.HasEvent("Normal", "Deleted").Should().BeTrue();
    }

    [Fact]
    public async Task DeletionPolicyMerge_ProviderKeyGone_SecretKeptWithEmptyData()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target(deletion: "Merge"), data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");

        ctx.SetStoreData(Store);
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("db");

        ctx.Secret("db").Should().NotBeNull();
        ctx.TypedSecret("db")!.Data.Should().BeNullOrEmpty();
        ctx.Ready("db")!.Status.Should().Be("True");
        ctx.HasEvent("Normal", "MissingProviderSecret").Should().BeTrue();
    }

    [Fact]
    public async Task DeletionPolicyRetain_ProviderReturnsEmptyMap_SecretRetained()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("blob", "{\"a\":\"1\"}", null)]);
        var dataFrom = new JsonArray(new JsonObject { ["extract"] = new JsonObject { ["key"] = "blob" } });
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, dataFrom: dataFrom));
        await ctx.ReconcileAsync("db");

        ctx.SetStoreData(Store, ("blob", "{}"));
        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("db");

        ctx.Value("db", "a").Should().Be("1");
        ctx.Ready("db")!.Message.Should().Be("secret retained due to DeletionPolicy=Retain");
    }

    [Fact]
    public async Task Deleted_DeletionPolicyDelete_SecretDeletedAndFinalizerRemoved()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target(deletion: "Delete"), data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");

        ctx.Server.DeleteObject(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "db");
        ctx.ExternalSecret("db")!.Metadata.DeletionTimestamp.Should().NotBeNull("the finalizer holds the object");
        await ctx.ReconcileAsync("db");

        ctx.Secret("db").Should().BeNull();
        ctx.ExternalSecret("db").Should().BeNull("the finalizer was removed, so the API server completed the deletion");
        ctx.Registry.Render().Should().Contain("externalsecret_status_condition{name=\"db\",namespace=\"team-a\",condition=\"Deleted\",status=\"False\"} 1");
    }

    [Fact]
    public async Task Deleted_DeletionPolicyRetain_SecretKeptAndFinalizerRemoved()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target("Orphan"), data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");

        ctx.Server.DeleteObject(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "db");
        await ctx.ReconcileAsync("db");

        ctx.Value("db", "password").Should().Be("s3cr3t-value");
        ctx.ExternalSecret("db").Should().BeNull();
    }

    [Fact]
    public async Task Owner_TargetRenamed_OldSecretDeletedAsOrphan()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target(name: "first"), data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");

        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "db", es => es["spec"]!["target"]!["name"] = "second");
        await ctx.ReconcileAsync("db");

        ctx.Secret("first").Should().BeNull();
        ctx.Value("second", "password").Should().Be("s3cr3t-value");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>() == "secret deleted because it was orphaned");
    }

    [Fact]
    public async Task StatusUpdateConflict_RequeuedAtOnce()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));
        ctx.Server.FailNext(r => r.Resource == "externalsecrets/status", 1, System.Net.HttpStatusCode.Conflict, reason: "Conflict");

        var result = await ctx.ReconcileAsync("db");

        result.Should().Be(CsiDriver.ExternalSecrets.Runtime.ReconcileResult.After(TimeSpan.Zero));
        var second = await ctx.ReconcileAsync("db");
        second.RequeueAfter.Should().Be(TimeSpan.FromHours(1));
        ctx.Ready("db")!.Status.Should().Be("True");
    }

    [Fact]
    public async Task ManualEditOfSecretData_Resynced()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, refreshPolicy: "CreatedOnce", data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");

        ctx.Server.Mutate(string.Empty, "secrets", EsoTestContext.Ns, "db", s => s["data"]!["password"] = KubeTestContext.Base64("tampered"));
        await ctx.ReconcileAsync("db");

        ctx.Value("db", "password").Should().Be("s3cr3t-value", "the data-hash no longer matches, so even CreatedOnce heals it");
    }

    [Fact]
    public async Task V1beta1ExternalSecret_ReconciledLikeV1()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))), apiVersion: "external-secrets.io/v1beta1");

        await ctx.ReconcileAsync("db");

        ctx.Value("db", "password").Should().Be("s3cr3t-value");
    }

    [Fact]
    public async Task CreateOrMerge_MissingCreated_ExistingMergedWithoutOwnerReference()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutExternalSecret("a", EsoTestContext.Spec(Store, target: Target("CreateOrMerge"), data: EsoTestContext.Data(("password", "db/password"))));
        ctx.PutSecret("b", new Dictionary<string, string> { ["foreign"] = "kept" });
        ctx.PutExternalSecret("b", EsoTestContext.Spec(Store, target: Target("CreateOrMerge"), data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("a");
        await ctx.ReconcileAsync("b");

        ctx.Value("a", "password").Should().Be("s3cr3t-value");
        ctx.TypedSecret("a")!.Metadata.OwnerReferences.Should().BeNullOrEmpty();
        ctx.Value("b", "foreign").Should().Be("kept");
        ctx.Value("b", "password").Should().Be("s3cr3t-value");
    }

    [Fact]
    public async Task ReadyFalseTwiceWithDifferentMessages_LastTransitionTimeKept()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("db/password", "s3cr3t-value", null)], ready: false);
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, data: EsoTestContext.Data(("password", "db/password"))));
        await ctx.ReconcileAsync("db");
        var first = ctx.Ready("db")!;

        ctx.Clock.Advance(TimeSpan.FromMinutes(3));
        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "externalsecrets", EsoTestContext.Ns, "db", es => es["spec"]!["target"] = new JsonObject { ["creationPolicy"] = "Bogus" });
        ctx.FakeStore(Store, [("db/password", "s3cr3t-value", null)]);
        await ctx.ReconcileAsync("db");
        var second = ctx.Ready("db")!;

        second.Status.Should().Be("False");
        second.Message.Should().Be("could not update secret").And.NotBe(first.Message);
        second.LastTransitionTime.Should().Be(first.LastTransitionTime);
    }

    [Fact]
    public async Task Merge_KeysWrittenBeforeByOurFieldManager_PrunedForeignKept()
    {
        await using var ctx = await StartWithStoreAsync();
        ctx.PutSecret("db", new Dictionary<string, string> { ["foreign"] = "kept", ["gone"] = "was-ours" }, new Dictionary<string, string> { ["old-label"] = "x", ["keep"] = "y" });
        ctx.Server.Mutate(string.Empty, "secrets", EsoTestContext.Ns, "db", s =>
        {
            s["metadata"]!["annotations"] = new JsonObject { ["old-ann"] = "z" };
            s["metadata"]!["managedFields"] = new JsonArray(new JsonObject
            {
                ["manager"] = EsoHashes.FieldManager("db"),
                ["operation"] = "Update",
                ["fieldsV1"] = JsonNode.Parse("{\"f:data\":{\"f:gone\":{}},\"f:metadata\":{\"f:labels\":{\"f:old-label\":{}},\"f:annotations\":{\"f:old-ann\":{}}}}"),
            });
        });
        ctx.PutExternalSecret("db", EsoTestContext.Spec(Store, target: Target("Merge"), data: EsoTestContext.Data(("password", "db/password"))));

        await ctx.ReconcileAsync("db");

        var secret = ctx.TypedSecret("db")!;
        secret.Data!.Keys.Should().BeEquivalentTo(["foreign", "password"]);
        secret.Metadata.Labels.Should().ContainKey("keep").And.NotContainKey("old-label");
        secret.Metadata.Annotations.Should().NotContainKey("old-ann");
    }
}
