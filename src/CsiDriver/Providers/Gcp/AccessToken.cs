using CsiDriver.Http;

namespace CsiDriver.Providers.Gcp;

/// <summary>A Google OAuth access token; <see cref="ToString"/> never shows it.</summary>
internal sealed record AccessToken(string Value, DateTimeOffset ExpiresAt)
{
    public override string ToString() => $"access token valid until {ExpiresAt:o}";
}

/// <summary>
/// Access tokens per identity on the shared <see cref="TokenCache{TKey, TToken}"/>: reused until shortly before
/// they expire (short-lived tokens at half their life), one exchange in flight per identity. Keys name an
/// identity, never contain a token.
/// </summary>
internal sealed class AccessTokenCache(TimeProvider time, GcpProviderOptions options, ILogger<AccessTokenCache> logger)
{
    private readonly TokenCache<string, AccessToken> _tokens = new(time, TokenCache<string, AccessToken>.Margin(0.5, options.TokenRefreshMargin));

    /// <summary>A credential for <paramref name="identity"/> whose token comes from this cache, else from <paramref name="create"/>.</summary>
    public GcpCredential Credential(string identity, Func<CancellationToken, Task<AccessToken>> create) =>
        new(identity, ct => GetOrCreateAsync(identity, create, ct));

    private async Task<AccessToken> GetOrCreateAsync(string identity, Func<CancellationToken, Task<AccessToken>> create, CancellationToken cancellationToken)
    {
        if (_tokens.TryGet(identity, out var cached))
        {
            GcpLog.TokenCacheHit(logger, identity);
            return cached;
        }

        return await _tokens.GetOrCreateAsync(
            identity,
            async ct =>
            {
                var token = await create(ct).ConfigureAwait(false);
                GcpLog.TokenObtained(logger, identity, token.ExpiresAt);
                return (token, token.ExpiresAt - time.GetUtcNow());
            },
            cancellationToken).ConfigureAwait(false);
    }
}
