using System.Text.Json;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores.Vault;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets.PushSecrets;

/// <summary>PushSecret into the loopback Vault (KV v2 and v1): managed mark, merge, no-op writes, deletes, failures.</summary>
public sealed class PushSecretVaultTests
{
    private const string Store = "vault";
    private const string Value = "vault-push-s3cr3t";

    private static async Task<PushSecretTestContext> StartAsync(string version = "v2")
    {
        var ctx = await PushSecretTestContext.StartAsync();
        ctx.VaultStore(Store, version);
        ctx.PutSecret("source", new Dictionary<string, string> { ["password"] = Value, ["user"] = "app" });
        return ctx;
    }

    private static string? Field(Dictionary<string, object?>? data, string key) =>
        data is not null && data.TryGetValue(key, out var value) ? value switch { JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText(), _ => value?.ToString() } : null;

    [Fact]
    public async Task KvV2_Properties_WrittenWithManagedMetadata()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "app/db", "password"), ("user", "app/db", "username"))));

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeFalse();
        Field(ctx.Vault.Kv2("app/db"), "password").Should().Be(Value);
        Field(ctx.Vault.Kv2("app/db"), "username").Should().Be("app");
        ctx.Vault.CustomMetadata["app/db"].Should().Contain(VaultStoreClient.ManagedByKey, VaultStoreClient.ManagedByValue);
        (await ctx.RemoteAsync(Store, "app/db", "password")).Should().Be(Value);
        ctx.Observable.Should().NotContain(Value);
    }

    [Fact]
    public async Task KvV2_NothingChanged_NoWriteOnTheNextPush()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "app/db", "password"))));
        await ctx.ReconcileAsync("push");
        var writes = ctx.Vault.Calls("POST /v1/secret/data/app/db");

        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("push");

        writes.Should().Be(1);
        ctx.Vault.Calls("POST /v1/secret/data/app/db").Should().Be(1);
        ctx.Vault.Calls("GET /v1/secret/data/app/db").Should().BeGreaterThan(1, "the second push read and compared");
    }

    [Fact]
    public async Task KvV2_ExistingUnmanagedSecret_ConflictAndNotOverwritten()
    {
        await using var ctx = await StartAsync();
        ctx.Vault.PutKv2("app/theirs", new Dictionary<string, object?> { ["password"] = "theirs" });
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "app/theirs", "password"))));

        var result = await ctx.ReconcileAsync("push");

        result.Failed.Should().BeTrue();
        Field(ctx.Vault.Kv2("app/theirs"), "password").Should().Be("theirs");
        ctx.Vault.Calls("POST /v1/secret/").Should().Be(0);
        ctx.Ready("push")!.Message.Should().Contain("is not managed by external-secrets");
    }

    [Fact]
    public async Task KvV2_Backend500_ErroredRetriedThenSyncedWhenVaultRecovers()
    {
        await using var ctx = await StartAsync();
        ctx.Vault.FailingPrefixes["/v1/secret/"] = (500, "internal error");
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "app/db", "password"))));

        var failed = await ctx.ReconcileAsync("push");

        failed.Failed.Should().BeTrue("a backend failure is retried with the queue's backoff");
        ctx.Ready("push").Should().BeEquivalentTo(new { Status = "False", Reason = "Errored" });
        ctx.Ready("push")!.Message.Should().StartWith("set secret failed:").And.Contain("internal error");
        ctx.HasEvent("Warning", "Errored").Should().BeTrue();

        ctx.Vault.FailingPrefixes.Clear();
        var retried = await ctx.ReconcileAsync("push");

        retried.Failed.Should().BeFalse();
        ctx.Ready("push")!.Reason.Should().Be("Synced");
        Field(ctx.Vault.Kv2("app/db"), "password").Should().Be(Value);
    }

    [Fact]
    public async Task KvV2_DeletePolicy_PropertyLeavesSpec_FieldRemoved_PushSecretDeleted_SecretDeleted()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "app/db", "password"), ("user", "app/db", "username")), deletionPolicy: "Delete"));
        await ctx.ReconcileAsync("push");

        ctx.Server.Mutate(FakeKubeApiServer.EsoGroup, "pushsecrets", PushSecretTestContext.Ns, "push", o => o["spec"]!["data"] = PushSecretTestContext.Data(("password", "app/db", "password")));
        await ctx.ReconcileAsync("push");
        ctx.Vault.Kv2("app/db")!.Keys.Should().Equal("password");

        ctx.Server.DeleteObject(FakeKubeApiServer.EsoGroup, "pushsecrets", PushSecretTestContext.Ns, "push");
        await ctx.ReconcileAsync("push");

        ctx.Vault.Kv2("app/db").Should().BeNull();
        ctx.Vault.Calls("DELETE /v1/secret/metadata/app/db").Should().Be(1);
        ctx.PushSecret("push").Should().BeNull();
    }

    [Fact]
    public async Task KvV2_WholeSecret_PushedAsTheSecretData()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data((null, "app/all", null))));

        await ctx.ReconcileAsync("push");

        Field(ctx.Vault.Kv2("app/all"), "password").Should().Be(Value);
        Field(ctx.Vault.Kv2("app/all"), "user").Should().Be("app");
    }

    [Fact]
    public async Task KvV2_SingleKeyWithoutProperty_NotJson_ErrorWithoutTheValue()
    {
        await using var ctx = await StartAsync();
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "app/plain", null))));

        await ctx.ReconcileAsync("push");

        ctx.Ready("push")!.Message.Should().Contain("is not a JSON object");
        ctx.Observable.Should().NotContain(Value);
        ctx.Vault.Kv2("app/plain").Should().BeNull();
    }

    [Fact]
    public async Task KvV1_Property_WrittenWithCustomMetadataField_DeleteRemovesPath()
    {
        await using var ctx = await StartAsync("v1");
        ctx.PutPushSecret("push", PushSecretTestContext.Spec(Store, "source", PushSecretTestContext.Data(("password", "app/db", "password")), deletionPolicy: "Delete"));

        await ctx.ReconcileAsync("push");

        var stored = ctx.Vault.Kv1("app/db")!;
        Field(stored, "password").Should().Be(Value);
        JsonNode.Parse(Field(stored, "custom_metadata")!)!["managed-by"]!.GetValue<string>().Should().Be("external-secrets");

        ctx.Server.DeleteObject(FakeKubeApiServer.EsoGroup, "pushsecrets", PushSecretTestContext.Ns, "push");
        await ctx.ReconcileAsync("push");
        ctx.Vault.Kv1("app/db").Should().BeNull();
    }
}
