using System.Text;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Azure;

/// <summary>PushSecret writes to an <c>azurekv</c> store when Key Vault throttles them: sent again as reads are, within the same bounds.</summary>
public sealed class AzureStoreWriteThrottlingTests : IAsyncLifetime
{
    private AzureStoreTestContext _t = null!;

    public async Task InitializeAsync()
    {
        _t = await AzureStoreTestContext.StartAsync();
        _t.Azure.SecretClients[AzureStoreTestContext.Client] = AzureStoreTestContext.ClientSecret;
        _t.Azure.ThrottleRetryAfter = null;
        _t.PutCredentials();
    }

    public async Task DisposeAsync() => await _t.DisposeAsync();

    [Fact]
    public async Task Push_WriteThrottledTwice_SentAgain_WrittenOnce()
    {
        var writer = (IStoreWriter)await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());
        _t.Azure.ThrottleWrites(2);

        var pushed = await writer.PushAsync(new PushRef("pushed"), Encoding.UTF8.GetBytes("value-1"), CancellationToken.None);

        pushed.Should().BeTrue();
        _t.Azure.ThrottledWrites.Should().Be(2);
        _t.Azure.Writes.Should().Be(1);
        _t.Azure.Current("pushed")!.Value.Value.Should().Be("value-1");
    }

    [Fact]
    public async Task Delete_WriteThrottledOnce_SentAgain_Deleted()
    {
        var writer = (IStoreWriter)await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());
        await writer.PushAsync(new PushRef("pushed"), Encoding.UTF8.GetBytes("value-1"), CancellationToken.None);
        _t.Azure.ThrottleWrites(1);

        await writer.DeleteAsync(new PushRef("pushed"), CancellationToken.None);

        _t.Azure.ThrottledWrites.Should().Be(1);
        _t.Azure.Current("pushed").Should().BeNull();
    }

    [Fact]
    public async Task Push_ThrottledOnEveryAttempt_FailsSaying429_NothingWritten()
    {
        var writer = (IStoreWriter)await _t.ConnectAsync(AzureStoreTestContext.ServicePrincipalBlock());
        _t.Azure.ThrottleWrites(100);

        var push = () => writer.PushAsync(new PushRef("pushed"), Encoding.UTF8.GetBytes("value-1"), CancellationToken.None);

        var error = (await push.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Message.Should().Contain("429").And.Contain("throttled on all 4 attempts").And.NotContain("value-1");
        error.Kind.Should().NotBe(FailureKind.InvalidConfiguration);
        _t.Azure.ThrottledWrites.Should().Be(4, "the first attempt and 3 retries more");
        _t.Azure.Writes.Should().Be(0);
        _t.Azure.Current("pushed").Should().BeNull();
    }
}
