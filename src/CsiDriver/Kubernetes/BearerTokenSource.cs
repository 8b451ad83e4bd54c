namespace CsiDriver.Kubernetes;

/// <summary>Supplies the bearer token for API calls; null means "no token" (client-certificate auth).</summary>
public interface IBearerTokenSource
{
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a cached token after a 401; returns true if a fresh read may give a different one.</summary>
    bool Invalidate();
}

/// <summary>No bearer token: the connection authenticates with a client certificate (or not at all).</summary>
internal sealed class NoBearerToken : IBearerTokenSource
{
    public static readonly NoBearerToken Instance = new();

    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);

    public bool Invalidate() => false;
}

/// <summary>A fixed token: a kubeconfig <c>token</c>, or a pod's service-account token for one call.</summary>
internal sealed class StaticBearerToken : IBearerTokenSource
{
    private readonly string _token;

    public StaticBearerToken(string token)
    {
        _token = token;
    }

    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(_token);

    public bool Invalidate() => false;

    public override string ToString() => "static token";
}

/// <summary>
/// A token read from a file (the projected service-account token, a kubeconfig <c>tokenFile</c>).
/// Projected tokens rotate, so the file is re-read when its mtime or size changes, at most once per
/// <c>recheck</c> interval, and at once after a 401.
/// </summary>
internal sealed class FileBearerToken : IBearerTokenSource
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly TimeSpan _recheck;
    private readonly Lock _gate = new();
    private string? _token;
    private DateTime _mtime;
    private long _length;
    private DateTimeOffset _checkedAt;

    public FileBearerToken(string path, TimeProvider time, TimeSpan? recheck = null)
    {
        _path = path;
        _time = time;
        _recheck = recheck ?? TimeSpan.FromSeconds(1);
    }

    public string Path => _path;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        FileInfo info;
        lock (_gate)
        {
            if (_token is not null && now - _checkedAt < _recheck)
            {
                return _token;
            }

            info = new FileInfo(_path);
            if (_token is not null && info.Exists && info.LastWriteTimeUtc == _mtime && info.Length == _length)
            {
                _checkedAt = now;
                return _token;
            }
        }

        if (!info.Exists)
        {
            throw new KubernetesApiException(KubernetesErrorKind.Unauthorized, null, "read token", null, $"token file {_path} does not exist");
        }

        var text = (await File.ReadAllTextAsync(_path, cancellationToken).ConfigureAwait(false)).Trim();
        lock (_gate)
        {
            _token = text;
            _mtime = info.LastWriteTimeUtc;
            _length = info.Length;
            _checkedAt = now;
            return _token;
        }
    }

    public bool Invalidate()
    {
        lock (_gate)
        {
            _token = null;
        }

        return true;
    }

    public override string ToString() => $"token file {_path}";
}
