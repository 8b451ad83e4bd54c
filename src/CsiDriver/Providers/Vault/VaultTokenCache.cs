using System.Collections.Concurrent;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// Who a cached Vault token belongs to: what the login authorises (one Vault, namespace, auth mount and role, one
/// pod service account, the audience of its JWT). The audience is part of it because a role may accept one
/// audience and refuse another: a class naming a refused audience must not borrow a token another class got.
/// </summary>
internal sealed record VaultAuthKey(string Address, string? Namespace, string Mount, string Role, string PodNamespace, string ServiceAccount, string Audience)
{
    public override string ToString() => $"{PodNamespace}/{ServiceAccount} as role {Role} at {Address} (mount {Mount}, audience {Audience}{(Namespace is null ? string.Empty : ", namespace " + Namespace)})";
}

/// <summary>A Vault token and when to stop using it. <see cref="ToString"/> never shows the token.</summary>
internal sealed record CachedVaultToken(string Token, DateTimeOffset RefreshAt)
{
    public override string ToString() => $"Vault token (use until {RefreshAt:O})";
}

/// <summary>
/// Vault tokens from Kubernetes/JWT logins, reused until shortly before their TTL ends so every
/// rotation poll does not log in again. Memory only.
/// </summary>
internal sealed class VaultTokenCache
{
    /// <summary>A token is dropped this fraction of its TTL before it expires (at most <see cref="MaxMargin"/>).</summary>
    private const double MarginFraction = 0.1;
    private static readonly TimeSpan MaxMargin = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<VaultAuthKey, CachedVaultToken> _tokens = new();
    private readonly TimeProvider _time;

    public VaultTokenCache(TimeProvider time)
    {
        _time = time;
    }

    public bool TryGet(VaultAuthKey key, out CachedVaultToken token)
    {
        if (_tokens.TryGetValue(key, out token!) && _time.GetUtcNow() < token.RefreshAt)
        {
            return true;
        }

        token = null!;
        return false;
    }

    public CachedVaultToken Add(VaultAuthKey key, string token, long ttlSeconds)
    {
        var now = _time.GetUtcNow();
        var refreshAt = ttlSeconds <= 0
            ? DateTimeOffset.MaxValue
            : now + TimeSpan.FromSeconds(ttlSeconds) - Min(TimeSpan.FromSeconds(ttlSeconds * MarginFraction), MaxMargin);
        var entry = new CachedVaultToken(token, refreshAt);
        _tokens[key] = entry;
        foreach (var (staleKey, stale) in _tokens)
        {
            if (stale.RefreshAt <= now)
            {
                _tokens.TryRemove(new KeyValuePair<VaultAuthKey, CachedVaultToken>(staleKey, stale));
            }
        }

        return entry;
    }

    /// <summary>Forgets a token Vault refused, unless another caller already replaced it.</summary>
    public void Invalidate(VaultAuthKey key, CachedVaultToken token) =>
        _tokens.TryRemove(new KeyValuePair<VaultAuthKey, CachedVaultToken>(key, token));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
