using CsiDriver.Http;

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

/// <summary>A Vault token. <see cref="ToString"/> never shows the token.</summary>
internal sealed record CachedVaultToken(string Token)
{
    public override string ToString() => "Vault token";
}

/// <summary>
/// Vault tokens from Kubernetes/JWT logins on the shared <see cref="TokenCache{TKey, TToken}"/>, reused until
/// shortly before their TTL ends (a tenth of it, at most a minute) so every rotation poll does not log in again.
/// </summary>
internal sealed class VaultTokenCache(TimeProvider time)
{
    private readonly TokenCache<VaultAuthKey, CachedVaultToken> _tokens = new(time, TokenCache<VaultAuthKey, CachedVaultToken>.Margin(0.1, TimeSpan.FromMinutes(1)));

    public bool TryGet(VaultAuthKey key, out CachedVaultToken token) => _tokens.TryGet(key, out token);

    /// <summary>Keeps a login's token; a TTL of 0 means it does not expire.</summary>
    public CachedVaultToken Add(VaultAuthKey key, string token, long ttlSeconds) =>
        _tokens.Add(key, new CachedVaultToken(token), ttlSeconds <= 0 ? null : TimeSpan.FromSeconds(ttlSeconds));

    /// <summary>Forgets a token Vault refused, unless another caller already replaced it.</summary>
    public void Invalidate(VaultAuthKey key, CachedVaultToken token) => _tokens.Invalidate(key, token);
}
