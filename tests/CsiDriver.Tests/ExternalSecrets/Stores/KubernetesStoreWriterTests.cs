using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Kubernetes;
using CsiDriver.Publishing;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>The <c>kubernetes</c> store's write side against the loopback API server, as the store's service account.</summary>
public sealed class KubernetesStoreWriterTests : IAsyncLifetime
{
    private const string WriterUser = "system:serviceaccount:apps:writer";
    private StoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await StoreTestContext.StartAsync();
        _t.Kube.PutServiceAccount("apps", "writer");
        _t.Kube.Allow(WriterUser, new FakeRule("", "secrets", ["get", "create", "update", "delete"], Namespace: "remote"));
        _t.PutSecret("remote", "theirs", new Dictionary<string, string> { ["key"] = "their-value" });
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private async Task<IStoreWriter> ConnectAsync()
    {
        var block = new JsonObject { ["remoteNamespace"] = "remote", ["auth"] = new JsonObject { ["serviceAccount"] = new JsonObject { ["name"] = "writer" } } };
        var client = await _t.KubernetesStores.ConnectAsync(StoreTestContext.SecretStore("apps", "kubernetes", block), CancellationToken.None);
        return (IStoreWriter)client;
    }

    private JsonObject? Remote(string name) => _t.Kube.Get("", "secrets", "remote", name);

    private static string? Data(JsonObject? secret, string key) =>
        secret?["data"]?[key] is { } value ? Encoding.UTF8.GetString(Convert.FromBase64String(value.GetValue<string>())) : null;

    [Fact]
    public async Task Push_Property_CreatesLabelledSecretWithThatKey()
    {
        var writer = await ConnectAsync();

        var written = await writer.PushAsync(new PushRef("pushed", "password"), "pw-1"u8.ToArray(), CancellationToken.None);

        written.Should().BeTrue();
        var secret = Remote("pushed");
        Data(secret, "password").Should().Be("pw-1");
        secret!["metadata"]!["labels"]![KubernetesStoreClient.ManagedByLabel]!.GetValue<string>().Should().Be(KubernetesStoreClient.ManagedByValue);
        _t.Kube.Requests.Should().Contain(r => r.Verb == "create" && r.Resource == "secrets" && r.User == WriterUser && r.Status == 201);
    }

    [Fact]
    public async Task Push_SameValueAgain_NoWrite()
    {
        var writer = await ConnectAsync();
        await writer.PushAsync(new PushRef("pushed", "password"), "pw-1"u8.ToArray(), CancellationToken.None);

        var written = await writer.PushAsync(new PushRef("pushed", "password"), "pw-1"u8.ToArray(), CancellationToken.None);

        written.Should().BeFalse();
        _t.ApiCalls("secrets", "update").Should().Be(0);
    }

    [Fact]
    public async Task Push_SecondProperty_AddedBesideTheFirst()
    {
        var writer = await ConnectAsync();
        await writer.PushAsync(new PushRef("pushed", "password"), "pw-1"u8.ToArray(), CancellationToken.None);

        await writer.PushAsync(new PushRef("pushed", "user"), "app"u8.ToArray(), CancellationToken.None);

        Data(Remote("pushed"), "password").Should().Be("pw-1");
        Data(Remote("pushed"), "user").Should().Be("app");
    }

    [Fact]
    public async Task Push_NoProperty_JsonObjectFieldsBecomeTheData()
    {
        var writer = await ConnectAsync();

        await writer.PushAsync(new PushRef("whole"), """{"a":"1","b":"2"}"""u8.ToArray(), CancellationToken.None);

        Data(Remote("whole"), "a").Should().Be("1");
        Data(Remote("whole"), "b").Should().Be("2");
    }

    [Fact]
    public async Task Push_NoPropertyNotJson_InvalidConfigurationWithoutTheValue()
    {
        var writer = await ConnectAsync();

        var act = () => writer.PushAsync(new PushRef("whole"), "plain-secret-text"u8.ToArray(), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("not a JSON object").And.NotContain("plain-secret-text");
    }

    [Fact]
    public async Task Push_UnlabelledSecret_ConflictAndUntouched()
    {
        var writer = await ConnectAsync();

        var act = () => writer.PushAsync(new PushRef("theirs", "key"), "mine"u8.ToArray(), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Conflict);
        Data(Remote("theirs"), "key").Should().Be("their-value");
    }

    [Fact]
    public async Task Delete_UnlabelledSecret_LeftAlone()
    {
        var writer = await ConnectAsync();

        await writer.DeleteAsync(new PushRef("theirs"), CancellationToken.None);

        Remote("theirs").Should().NotBeNull();
        _t.ApiCalls("secrets", "delete").Should().Be(0);
    }

    [Fact]
    public async Task Delete_OneOfTwoProperties_KeyRemoved_LastProperty_SecretDeleted()
    {
        var writer = await ConnectAsync();
        await writer.PushAsync(new PushRef("pushed", "password"), "pw-1"u8.ToArray(), CancellationToken.None);
        await writer.PushAsync(new PushRef("pushed", "user"), "app"u8.ToArray(), CancellationToken.None);

        await writer.DeleteAsync(new PushRef("pushed", "user"), CancellationToken.None);
        Data(Remote("pushed"), "user").Should().BeNull();
        Data(Remote("pushed"), "password").Should().Be("pw-1");

        await writer.DeleteAsync(new PushRef("pushed", "password"), CancellationToken.None);
        Remote("pushed").Should().BeNull();
    }

    [Fact]
    public async Task Exists_PropertyPresentOrNot()
    {
        var writer = await ConnectAsync();

        (await writer.ExistsAsync(new PushRef("theirs", "key"), CancellationToken.None)).Should().BeTrue();
        (await writer.ExistsAsync(new PushRef("theirs", "other"), CancellationToken.None)).Should().BeFalse();
        (await writer.ExistsAsync(new PushRef("absent"), CancellationToken.None)).Should().BeFalse();
    }

    [Fact]
    public async Task Push_StoreIdentityMayNotCreate_PermissionDeniedNamingTheVerb()
    {
        _t.Kube.PutServiceAccount("apps", "reader-only");
        _t.Kube.Allow("system:serviceaccount:apps:reader-only", new FakeRule("", "secrets", ["get"], Namespace: "remote"));
        var block = new JsonObject { ["remoteNamespace"] = "remote", ["auth"] = new JsonObject { ["serviceAccount"] = new JsonObject { ["name"] = "reader-only" } } };
        var writer = (IStoreWriter)await _t.KubernetesStores.ConnectAsync(StoreTestContext.SecretStore("apps", "kubernetes", block), CancellationToken.None);

        var act = () => writer.PushAsync(new PushRef("pushed", "password"), "pw-1"u8.ToArray(), CancellationToken.None);

        var thrown = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        thrown.Kind.Should().Be(FailureKind.PermissionDenied);
        thrown.Message.Should().Contain("may not create").And.NotContain("pw-1");
    }
}
