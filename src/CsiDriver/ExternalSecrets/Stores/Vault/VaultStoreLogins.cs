using CsiDriver.Providers.Vault;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>
/// Vault tokens of the vault stores, in the Vault provider's <see cref="VaultTokenCache"/> (reused until shortly before
/// their TTL ends), with single-flight logins: any number of ExternalSecrets reading through one store identity at once
/// cause one login. A failed login is not kept. Memory only.
/// </summary>
internal sealed class VaultStoreLogins(TimeProvider time)
{
    private readonly VaultTokenCache _cache = new(time);
    private readonly ConcurrentDictionary<VaultAuthKey, Lazy<Task<CachedVaultToken>>> _inFlight = new();

    /// <summary>A token for <paramref name="key"/>: the cached one unless it is <paramref name="refused"/>, else one shared login.</summary>
    /// <param name="login">Logs in; returns the token and its TTL in seconds. Its failures reach every caller that joined it.</param>
    public async Task<(CachedVaultToken Token, bool FromCache)> GetAsync(
        VaultAuthKey key, string? refused, Func<CancellationToken, Task<(string Token, long TtlSeconds)>> login, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(key, out var cached) && cached.Token != refused)
        {
            return (cached, true);
        }

        var lazy = _inFlight.GetOrAdd(key, k => new Lazy<Task<CachedVaultToken>>(() => LoginAsync(k, login), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            var fresh = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            return (fresh, false);
        }
        finally
        {
            if (lazy.Value.IsCompleted)
            {
                _inFlight.TryRemove(new KeyValuePair<VaultAuthKey, Lazy<Task<CachedVaultToken>>>(key, lazy));
            }
        }
    }

    /// <summary>Forgets a token Vault refused, unless another caller already replaced it.</summary>
    public void Invalidate(VaultAuthKey key, CachedVaultToken token) => _cache.Invalidate(key, token);

    private async Task<CachedVaultToken> LoginAsync(VaultAuthKey key, Func<CancellationToken, Task<(string Token, long TtlSeconds)>> login)
    {
        // Shared by every caller that joins, so no one caller's cancellation ends it; the HTTP client's timeout bounds it.
        var (token, ttl) = await login(CancellationToken.None).ConfigureAwait(false);
        return _cache.Add(key, token, ttl);
    }
}
