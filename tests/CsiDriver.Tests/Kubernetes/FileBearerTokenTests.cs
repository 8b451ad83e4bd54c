using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Providers.Vault;

namespace CsiDriver.Tests.Kubernetes;

public sealed class FileBearerTokenTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly ManualClock _clock = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Rotated_WithinASecond_OldTokenStillServedThenTheNewOne()
    {
        var path = Write("token-1");
        var source = new FileBearerToken(path, _clock);
        (await source.GetTokenAsync(CancellationToken.None)).Should().Be("token-1");

        File.WriteAllText(path, "token-2-rotated\n");
        (await source.GetTokenAsync(CancellationToken.None)).Should().Be("token-1", "the file is looked at again at most once a second");
        _clock.Advance(TimeSpan.FromSeconds(1));

        (await source.GetTokenAsync(CancellationToken.None)).Should().Be("token-2-rotated");
    }

    [Fact]
    public async Task Refused_Invalidated_FileReReadAtOnce()
    {
        var path = Write("token-1");
        var source = new FileBearerToken(path, _clock);
        await source.GetTokenAsync(CancellationToken.None);
        File.WriteAllText(path, "token-2-rotated\n");

        source.Invalidate().Should().BeTrue("a fresh read may give another token");

        (await source.GetTokenAsync(CancellationToken.None)).Should().Be("token-2-rotated");
    }

    [Fact]
    public async Task Unchanged_AfterTheRecheck_KeepsTheTokenItRead()
    {
        var path = Write("token-1");
        var source = new FileBearerToken(path, _clock);
        await source.GetTokenAsync(CancellationToken.None);

        // Same size and mtime: the file is not read again, so a content change that keeps both is not seen.
        var modified = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, "token-X\n");
        File.SetLastWriteTimeUtc(path, modified);
        _clock.Advance(TimeSpan.FromSeconds(5));

        (await source.GetTokenAsync(CancellationToken.None)).Should().Be("token-1");
    }

    [Fact]
    public async Task Missing_IsUnauthorizedAndNamesOnlyThePath()
    {
        var path = _dir.Combine("no-token");
        var source = new FileBearerToken(path, _clock);

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => source.GetTokenAsync(CancellationToken.None).AsTask());

        ex.Kind.Should().Be(KubernetesErrorKind.Unauthorized);
        ex.Message.Should().Contain(path);
    }

    [Fact]
    public async Task Removed_AfterTheRecheck_IsUnauthorizedNotTheOldToken()
    {
        var path = Write("token-1");
        var source = new FileBearerToken(path, _clock);
        await source.GetTokenAsync(CancellationToken.None);
        File.Delete(path);
        _clock.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<KubernetesApiException>(() => source.GetTokenAsync(CancellationToken.None).AsTask());

        ex.Kind.Should().Be(KubernetesErrorKind.Unauthorized);
        ex.Message.Should().NotContain("token-1");
    }

    private string Write(string token)
    {
        var path = _dir.Combine("token");
        File.WriteAllText(path, token + "\n");
        return path;
    }
}
