using System.Text;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Aws;

/// <summary>
/// PushSecret writes to both AWS services: created with the <c>managed-by: external-secrets</c> tag, unchanged values not
/// rewritten, properties merged, and a secret the controller did not create never overwritten or deleted.
/// </summary>
public sealed class AwsStorePushTests : IAsyncLifetime
{
    private const string Region = AwsStoreTestContext.Region;
    private AwsStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await AwsStoreTestContext.StartAsync();
        _t.PutKeys();
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task SecretsManager_CreateTagged_SameValueSkipped_NewValueIsANewVersion()
    {
        var writer = await _t.WriterAsync(AwsStoreTestContext.KeysBlock());

        var created = await writer.PushAsync(new PushRef("pushed/db"), Bytes("one"), CancellationToken.None);
        var again = await writer.PushAsync(new PushRef("pushed/db"), Bytes("one"), CancellationToken.None);
        var changed = await writer.PushAsync(new PushRef("pushed/db"), Bytes("two"), CancellationToken.None);

        (created, again, changed).Should().Be((true, false, true));
        _t.Aws.CurrentText(Region, "pushed/db").Should().Be("two");
        _t.Aws.SecretTags[(Region, "pushed/db")].Should().Contain("managed-by", "external-secrets");
        _t.Aws.Calls("secretsmanager.CreateSecret").Should().Be(1);
        _t.Aws.Calls("secretsmanager.PutSecretValue").Should().Be(1);
        (await writer.ExistsAsync(new PushRef("pushed/db"), CancellationToken.None)).Should().BeTrue();
        (await writer.ExistsAsync(new PushRef("pushed/none"), CancellationToken.None)).Should().BeFalse();
    }

    [Fact]
    public async Task SecretsManager_Properties_MergedIntoOneJsonObject_DeleteRemovesOnlyThatProperty()
    {
        var writer = await _t.WriterAsync(AwsStoreTestContext.KeysBlock());

        await writer.PushAsync(new PushRef("pushed/app", "user"), Bytes("admin"), CancellationToken.None);
        await writer.PushAsync(new PushRef("pushed/app", "pass"), Bytes("s3cret"), CancellationToken.None);
        var merged = _t.Aws.CurrentText(Region, "pushed/app");
        await writer.DeleteAsync(new PushRef("pushed/app", "pass"), CancellationToken.None);

        merged.Should().Be("""{"user":"admin","pass":"s3cret"}""");
        _t.Aws.CurrentText(Region, "pushed/app").Should().Be("""{"user":"admin"}""");
        (await writer.ExistsAsync(new PushRef("pushed/app", "user"), CancellationToken.None)).Should().BeTrue();
        (await writer.ExistsAsync(new PushRef("pushed/app", "pass"), CancellationToken.None)).Should().BeFalse();
    }

    [Fact]
    public async Task SecretsManager_UnmanagedSecret_ConflictAndNeitherWrittenNorDeleted()
    {
        _t.Aws.PutSecret(Region, "hand-made", "original");
        var writer = await _t.WriterAsync(AwsStoreTestContext.KeysBlock());

        var push = () => writer.PushAsync(new PushRef("hand-made"), Bytes("overwrite"), CancellationToken.None);
        var delete = () => writer.DeleteAsync(new PushRef("hand-made"), CancellationToken.None);

        var error = (await push.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.Conflict);
        error.Message.Should().Contain("not managed by external-secrets").And.NotContain("overwrite");
        (await delete.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Conflict);
        _t.Aws.CurrentText(Region, "hand-made").Should().Be("original");
        _t.Aws.Calls("secretsmanager.PutSecretValue").Should().Be(0);
        _t.Aws.Calls("secretsmanager.DeleteSecret").Should().Be(0);
    }

    [Fact]
    public async Task SecretsManager_Delete_ManagedSecretWithTheStoresRecoveryWindow_MissingIsFine()
    {
        var block = AwsStoreTestContext.KeysBlock();
        block["secretsManager"] = new System.Text.Json.Nodes.JsonObject { ["recoveryWindowInDays"] = 7 };
        var writer = await _t.WriterAsync(block);
        await writer.PushAsync(new PushRef("pushed/tmp"), Bytes("x"), CancellationToken.None);

        await writer.DeleteAsync(new PushRef("pushed/tmp"), CancellationToken.None);
        await writer.DeleteAsync(new PushRef("pushed/tmp"), CancellationToken.None);

        _t.Aws.CurrentText(Region, "pushed/tmp").Should().BeNull();
        _t.Aws.DeletedSecrets.Should().Equal(("pushed/tmp", (long?)7, (bool?)null));
    }

    [Fact]
    public async Task ParameterStore_CreateTagged_SameValueSkipped_Overwrite_UnmanagedRefused_Delete()
    {
        _t.Aws.PutParameter(Region, "/hand/made", "original");
        var writer = await _t.WriterAsync(AwsStoreTestContext.KeysBlock("ParameterStore"));

        var created = await writer.PushAsync(new PushRef("/pushed/p"), Bytes("one"), CancellationToken.None);
        var again = await writer.PushAsync(new PushRef("/pushed/p"), Bytes("one"), CancellationToken.None);
        var changed = await writer.PushAsync(new PushRef("/pushed/p"), Bytes("two"), CancellationToken.None);
        var refused = () => writer.PushAsync(new PushRef("/hand/made"), Bytes("overwrite"), CancellationToken.None);

        (created, again, changed).Should().Be((true, false, true));
        _t.Aws.ParameterTags[(Region, "/pushed/p")].Should().Contain("managed-by", "external-secrets");
        _t.Aws.Parameters[Region]["/pushed/p"].Versions.Select(v => v.Value).Should().Equal("one", "two");
        (await refused.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.Conflict);
        _t.Aws.Parameters[Region]["/hand/made"].Versions.Should().ContainSingle();

        await writer.DeleteAsync(new PushRef("/pushed/p"), CancellationToken.None);
        _t.Aws.Parameters[Region].Should().NotContainKey("/pushed/p");
    }
}
