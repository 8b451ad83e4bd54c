using System.Security.Cryptography;
using System.Text;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// Gets a Vault token for one fetch, as the pod: the pod's service-account JWT for the class's
/// audience logs in to the auth mount (token cached per identity), or, for development, a token
/// from the volume's <c>nodePublishSecretRef</c> Secret under key <c>vaultToken</c>.
/// </summary>
internal sealed class VaultAuthenticator
{
    /// <summary>The nodePublishSecretRef key holding a ready Vault token (our extension; upstream reads no secrets).</summary>
    public const string StaticTokenKey = "vaultToken";

    private readonly VaultTokenCache _cache;
    private readonly ILogger _logger;

    public VaultAuthenticator(VaultTokenCache cache, ILogger logger)
    {
        _cache = cache;
        _logger = logger;
    }

    public async Task<VaultSession> StartAsync(VaultClient client, VaultSettings settings, ProviderRequest request, CancellationToken cancellationToken)
    {
        if (request.Secrets.TryGetValue(StaticTokenKey, out var staticToken) && !string.IsNullOrWhiteSpace(staticToken))
        {
            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(staticToken.Trim())))[..16];
            return new VaultSession(this, client, settings, request, jwt: null, key: null, "nodePublishSecretRef:" + fingerprint, staticToken.Trim(), cached: null);
        }

        var jwt = PodJwt(settings, request);
        var key = new VaultAuthKey(client.Address.ToString(), settings.Namespace, settings.AuthMount, settings.RoleName, request.Pod.Namespace, request.Pod.ServiceAccountName);
        if (_cache.TryGet(key, out var cached))
        {
            VaultLog.TokenReused(_logger, key.ToString());
            return new VaultSession(this, client, settings, request, jwt, key, key.ToString(), cached.Token, cached);
        }

        var fresh = await LoginAsync(client, settings, request, jwt, key, cancellationToken).ConfigureAwait(false);
        return new VaultSession(this, client, settings, request, jwt, key, key.ToString(), fresh.Token, cached: null);
    }

    internal async Task<CachedVaultToken> LoginAsync(VaultClient client, VaultSettings settings, ProviderRequest request, string jwt, VaultAuthKey key, CancellationToken cancellationToken)
    {
        try
        {
            var (token, ttl) = await client.LoginAsync(settings.AuthMount, settings.RoleName, jwt, cancellationToken).ConfigureAwait(false);
            VaultLog.LoggedIn(_logger, key.ToString(), ttl);
            return _cache.Add(key, token, ttl);
        }
        catch (VaultApiException ex)
        {
            throw VaultErrors.Login(ex, settings, request, jwt);
        }
    }

    internal void Invalidate(VaultAuthKey key, CachedVaultToken token) => _cache.Invalidate(key, token);

    internal void LogRelogin(string identity, string operation) => VaultLog.ReloginAfterDenied(_logger, identity, operation);

    private static string PodJwt(VaultSettings settings, ProviderRequest request)
    {
        if (request.Pod.Tokens.TryGet(settings.Audience, out var token) && !string.IsNullOrEmpty(token.Token))
        {
            return token.Token;
        }

        var present = string.Join(", ", request.Pod.Tokens.Audiences.Order(StringComparer.Ordinal));
        throw new SecretStoreException(
            FailureKind.InvalidConfiguration,
            $"SecretProviderClass {request.Class.Description}: no service-account token for audience \"{settings.Audience}\" was passed for pod {request.Pod.Namespace}/{request.Pod.Name}; " +
            $"add \"- audience: {settings.Audience}\" to spec.tokenRequests of the driver's CSIDriver object (the driver authenticates to Vault only as the pod) " +
            $"{(present.Length == 0 ? "(kubelet passed no tokens)" : $"(tokens passed for: {present})")}")
        {
            Reason = "MissingServiceAccountToken",
        };
    }
}

/// <summary>One fetch's Vault token, able to log in again once when Vault refuses a cached token.</summary>
internal sealed class VaultSession
{
    private readonly VaultAuthenticator _authenticator;
    private readonly VaultClient _client;
    private readonly VaultSettings _settings;
    private readonly ProviderRequest _request;
    private readonly string? _jwt;
    private readonly VaultAuthKey? _key;
    private CachedVaultToken? _cached;

    internal VaultSession(VaultAuthenticator authenticator, VaultClient client, VaultSettings settings, ProviderRequest request, string? jwt, VaultAuthKey? key, string identity, string token, CachedVaultToken? cached)
    {
        _authenticator = authenticator;
        _client = client;
        _settings = settings;
        _request = request;
        _jwt = jwt;
        _key = key;
        Identity = identity;
        Token = token;
        _cached = cached;
    }

    /// <summary>Who this session acts as, for cache keys and logs (never the token).</summary>
    public string Identity { get; }

    public string Token { get; private set; }

    /// <summary>Strings that must never reach a message: the token and the pod's JWT.</summary>
    public IEnumerable<string> Sensitive => _jwt is null ? [Token] : [Token, _jwt];

    /// <summary>Runs a call with the token; on a 403 with a token from the cache, logs in again and retries once.</summary>
    public async Task<T> CallAsync<T>(Func<string, Task<T>> call, string operation, CancellationToken cancellationToken)
    {
        try
        {
            return await call(Token).ConfigureAwait(false);
        }
        catch (VaultApiException ex) when (ex.StatusCode == 403 && _cached is { } stale && _key is { } key && _jwt is { } jwt)
        {
            _cached = null;
            _authenticator.Invalidate(key, stale);
            _authenticator.LogRelogin(Identity, operation);
            var fresh = await _authenticator.LoginAsync(_client, _settings, _request, jwt, key, cancellationToken).ConfigureAwait(false);
            Token = fresh.Token;
            return await call(Token).ConfigureAwait(false);
        }
    }

    public override string ToString() => $"Vault session for {Identity}";
}
