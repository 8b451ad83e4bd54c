using CsiDriver.Http;

namespace CsiDriver.Kubernetes;

/// <summary>Supplies the bearer token for API calls; null means "no token" (client-certificate auth).</summary>
public interface IBearerTokenSource
{
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a cached token after a 401; returns true if a fresh read may give a different one (a fixed token: never).</summary>
    bool Invalidate() => false;
}

/// <summary>No bearer token: the connection authenticates with a client certificate (or not at all).</summary>
internal sealed class NoBearerToken : IBearerTokenSource
{
    public static readonly NoBearerToken Instance = new();

    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
}

/// <summary>A fixed token: a kubeconfig <c>token</c>, or a pod's service-account token for one call.</summary>
internal sealed class StaticBearerToken(string token) : IBearerTokenSource
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);

    public override string ToString() => "static token";
}

/// <summary>
/// A token read from a file (the projected service-account token, a kubeconfig <c>tokenFile</c>).
/// Projected tokens rotate, so the file is looked at again at most once a second and re-read when its mtime or
/// size changed, and at once after a 401. Concurrent callers share one look.
/// </summary>
internal sealed class FileBearerToken(string path, TimeProvider time) : IBearerTokenSource
{
    // A projected token is rotated well before it expires: a second's delay in seeing a new one costs nothing.
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    private readonly TokenCache<string, FileToken> _tokens = new(time, _ => TimeSpan.Zero, 1);
    private FileToken? _last;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) =>
        (await _tokens.GetOrCreateAsync(path, ReadAsync, cancellationToken).ConfigureAwait(false)).Text;

    public bool Invalidate()
    {
        if (Interlocked.Exchange(ref _last, null) is { } refused)
        {
            _tokens.Invalidate(path, refused);
        }

        return true;
    }

    private async Task<(FileToken Token, TimeSpan? Lifetime)> ReadAsync(CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new KubernetesApiException(KubernetesErrorKind.Unauthorized, null, "read token", null, $"token file {path} does not exist");
        }

        if (Volatile.Read(ref _last) is { } last && last.Modified == info.LastWriteTimeUtc && last.Length == info.Length)
        {
            return (last, Recheck);
        }

        var text = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
        var read = new FileToken(text, info.LastWriteTimeUtc, info.Length);
        Volatile.Write(ref _last, read);
        return (read, Recheck);
    }

    public override string ToString() => $"token file {path}";

    private sealed record FileToken(string Text, DateTime Modified, long Length)
    {
        public override string ToString() => $"token read (modified {Modified:O}, {Length} bytes)";
    }
}
