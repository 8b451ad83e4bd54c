using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>Which token: the service account, the audiences it is bound to (sorted), and the lifetime asked for.</summary>
internal sealed record ServiceAccountTokenKey(string Namespace, string ServiceAccount, string Audiences, long ExpirationSeconds)
{
    public static ServiceAccountTokenKey For(string @namespace, string serviceAccount, IEnumerable<string> audiences, long expirationSeconds) =>
        new(@namespace, serviceAccount, string.Join(",", audiences.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)), expirationSeconds);

    public IReadOnlyList<string> AudienceList => Audiences.Length == 0 ? [] : Audiences.Split(',');

    public override string ToString() =>
        $"serviceaccount {Namespace}/{ServiceAccount} (audiences [{Audiences}], {ExpirationSeconds}s)";
}

/// <summary>
/// Service-account tokens got through the TokenRequest API, kept in memory until 80% of their lifetime has passed
/// (kubelet's rule for projected tokens). Requests for one key are single-flight: however many ExternalSecrets
/// connect through one store at once, one TokenRequest is made. A failed request is not kept.
/// </summary>
internal sealed class ServiceAccountTokenCache(StoreReferenceApi api, TimeProvider time)
{
    private const double RefreshFraction = 0.8;

    private readonly ConcurrentDictionary<ServiceAccountTokenKey, Lazy<Task<Entry>>> _entries = new();

    /// <summary>A token for <paramref name="key"/>, from memory while it is fresh.</summary>
    /// <exception cref="KubernetesApiException">The TokenRequest failed.</exception>
    public async Task<string> GetAsync(ServiceAccountTokenKey key, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var lazy = _entries.GetOrAdd(key, k => new Lazy<Task<Entry>>(() => RequestAsync(k), LazyThreadSafetyMode.ExecutionAndPublication));
            Entry entry;
            try
            {
                entry = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _entries.TryRemove(new KeyValuePair<ServiceAccountTokenKey, Lazy<Task<Entry>>>(key, lazy));
                throw;
            }

            if (time.GetUtcNow() < entry.RefreshAt || attempt > 0)
            {
                return entry.Token;
            }

            // Stale: drop it (unless another caller already did) and request once more.
            _entries.TryRemove(new KeyValuePair<ServiceAccountTokenKey, Lazy<Task<Entry>>>(key, lazy));
        }
    }

    /// <summary>Forgets the token for <paramref name="key"/>, e.g. after the server refused it.</summary>
    public void Invalidate(ServiceAccountTokenKey key) => _entries.TryRemove(key, out _);

    private async Task<Entry> RequestAsync(ServiceAccountTokenKey key)
    {
        // Not the caller's token: a shared request must not fail because the first caller gave up.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1), time);
        var now = time.GetUtcNow();
        var response = await api.CreateTokenAsync(key.Namespace, key.ServiceAccount, key.AudienceList, key.ExpirationSeconds, timeout.Token).ConfigureAwait(false);
        if (response.Status?.Token is not { Length: > 0 } token)
        {
            throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, $"create serviceaccounts/token {key.Namespace}/{key.ServiceAccount}", null, "the TokenRequest response carries no token");
        }

        var expires = response.Status.ExpirationTimestamp ?? now + TimeSpan.FromSeconds(key.ExpirationSeconds);
        var lifetime = expires - now;
        var refreshAt = lifetime > TimeSpan.Zero ? now + (lifetime * RefreshFraction) : now;
        return new Entry(token, refreshAt);
    }

    private sealed record Entry(string Token, DateTimeOffset RefreshAt)
    {
        public override string ToString() => $"token (refresh at {RefreshAt:O})";
    }
}
