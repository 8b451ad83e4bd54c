using CsiDriver.Publishing;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// One fetch's Vault token, as the pod: the pod's service-account JWT for the class's audience logs in to the auth
/// mount (token cached per identity, login shared within a rotation pass), or, for development, a token from the
/// volume's <c>nodePublishSecretRef</c> Secret under key <c>vaultToken</c>. The token is got at the first call; a
/// cached one Vault refuses is answered with one re-login. Safe for the concurrent reads of one publish: they share
/// one login and one re-login.
/// </summary>
internal sealed class VaultSession(
    VaultTokenCache cache,
    ILogger logger,
    VaultClient client,
    VaultSettings settings,
    ProviderRequest request,
    string? jwt,
    VaultAuthKey? key,
    string identity,
    string? staticToken,
    CancellationToken fetchCancellation)
{
    /// <summary>The nodePublishSecretRef key holding a ready Vault token (our extension; upstream reads no secrets).</summary>
    public const string StaticTokenKey = "vaultToken";

    private readonly Lock _gate = new();

    // Each with whether Vault's refusal of its token may be answered with a re-login: only a cached token's may.
    private Task<(CachedVaultToken Token, bool MayRelogin)>? _login;
    private Task<(CachedVaultToken Token, bool MayRelogin)>? _relogin;
    private string? _shareIdentity;

    /// <summary>
    /// A session that logs in at its first call, not here: a fetch served wholly from memory (pinned
    /// versions the volume already has, leases it holds) then costs no call at all. The pod must still
    /// present a JWT for the class's audience, checked here.
    /// </summary>
    /// <param name="cancellationToken">The fetch's token: the session's shared login runs on it, not on one read's.</param>
    public static VaultSession Start(VaultTokenCache cache, ILogger logger, VaultClient client, VaultSettings settings, ProviderRequest request, CancellationToken cancellationToken)
    {
        if (request.Secrets.TryGetValue(StaticTokenKey, out var staticToken) && !string.IsNullOrWhiteSpace(staticToken))
        {
            var token = staticToken.Trim();
            var where = client.Address + (settings.Namespace is null ? string.Empty : ", namespace " + settings.Namespace);
            return new VaultSession(cache, logger, client, settings, request, jwt: null, key: null, $"nodePublishSecretRef:{Fingerprint(token)} at {where}", token, cancellationToken);
        }

        var jwt = PodJwt(settings, request);
        var key = new VaultAuthKey(client.Address.ToString(), settings.Namespace, settings.AuthMount, settings.RoleName, request.Pod.Namespace, request.Pod.ServiceAccountName, settings.Audience);
        return new VaultSession(cache, logger, client, settings, request, jwt, key, key.ToString(), staticToken: null, cancellationToken);
    }

    /// <summary>Who this session acts as, for cache keys and logs (never the token).</summary>
    public string Identity => identity;

    /// <summary>
    /// Who reads, for reads shared between volumes and values kept between fetches: identity and TLS settings. TLS is
    /// part of it so a class whose CA does not verify Vault fails on its own, not served what a correctly configured class read.
    /// </summary>
    public string ShareIdentity => _shareIdentity ??= $"{identity}; tls {settings.Tls}";

    /// <summary>The latest token once a call has been made (or the static token); null before.</summary>
    public string? Token => staticToken ?? Completed(_relogin) ?? Completed(_login);

    /// <summary>Strings that must never reach a message: the tokens and the pod's JWT.</summary>
    public IEnumerable<string> Sensitive => new[] { staticToken, Completed(_login), Completed(_relogin), jwt }.OfType<string>();

    /// <summary>Runs a call with the token; on a 403 with a token from the cache, logs in again and retries once.</summary>
    /// <exception cref="VaultApiException">The call failed.</exception>
    /// <exception cref="VaultLoginFailedException">No token could be had.</exception>
    public async Task<T> CallAsync<T>(Func<string, Task<T>> call, string operation, CancellationToken cancellationToken)
    {
        if (staticToken is { } given)
        {
            return await call(given).ConfigureAwait(false);
        }

        var (token, mayRelogin) = await TokenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await call(token.Token).ConfigureAwait(false);
        }
        catch (VaultApiException ex) when (ex.StatusCode == 403 && mayRelogin)
        {
            var (fresh, _) = await ReloginAsync(token, operation, cancellationToken).ConfigureAwait(false);
            return await call(fresh.Token).ConfigureAwait(false);
        }
    }

    public override string ToString() => $"Vault session for {Identity}";

    private static string? Completed(Task<(CachedVaultToken Token, bool MayRelogin)>? task) =>
        task is { IsCompletedSuccessfully: true } ? task.Result.Token.Token : null;

    /// <summary>The token to call with (the re-login's once there is one), and whether a refusal of it may be answered with one re-login.</summary>
    private Task<(CachedVaultToken Token, bool MayRelogin)> TokenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return (_relogin ?? (_login ??= AcquireAsync(refused: null)))
                .WaitAsync(cancellationToken);
        }
    }

    /// <summary>The one re-login of this session, joined by every read Vault refused the cached token for.</summary>
    private Task<(CachedVaultToken Token, bool MayRelogin)> ReloginAsync(CachedVaultToken stale, string operation, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return (_relogin ??= Run()).WaitAsync(cancellationToken);
        }

        async Task<(CachedVaultToken, bool)> Run()
        {
            cache.Invalidate(key!, stale);
            VaultLog.ReloginAfterDenied(logger, Identity, operation);
            var (fresh, _) = await AcquireAsync(refused: stale.Token).ConfigureAwait(false);
            return (fresh, false);
        }
    }

    /// <summary>
    /// A token: the cached one unless it is the one Vault just <paramref name="refused"/>, else a login. In a rotation
    /// pass the login is shared by every volume of the same identity (and a re-login after a refusal by every volume
    /// refused the same token), so a pass logs in at most once per identity.
    /// </summary>
    /// <exception cref="VaultLoginFailedException">Vault refused the login or did not answer.</exception>
    private async Task<(CachedVaultToken Token, bool MayRelogin)> AcquireAsync(string? refused)
    {
        if (cache.TryGet(key!, out var cached) && cached.Token != refused)
        {
            VaultLog.TokenReused(logger, key!.ToString());
            return (cached, true);
        }

        if (request.FetchScope is not { } scope)
        {
            return (await LoginAsync(fetchCancellation).ConfigureAwait(false), false);
        }

        // One key for first logins and re-logins alike: a volume that finds the cache empty while another
        // re-logs in after a refusal joins that login instead of starting its own.
        var fresh = await scope.GetOrAddAsync(new FetchKey("vault", ShareIdentity, "login"), LoginAsync).ConfigureAwait(false);
        if (refused is not null && fresh.Token == refused)
        {
            // The pass's own login was the token refused (revoked during the pass): one more, shared the same way.
            fresh = await scope.GetOrAddAsync(new FetchKey("vault", ShareIdentity, "login after refusal of " + Fingerprint(refused)), LoginAsync).ConfigureAwait(false);
        }

        return (fresh, false);
    }

    /// <summary>The raw login, fit for sharing: its failure names no class and carries no JWT.</summary>
    private async Task<CachedVaultToken> LoginAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (token, ttl) = await client.LoginAsync(settings.AuthMount, settings.RoleName, jwt!, cancellationToken).ConfigureAwait(false);
            VaultLog.LoggedIn(logger, key!.ToString(), ttl);
            return cache.Add(key, token, ttl);
        }
        catch (VaultApiException ex)
        {
            throw new VaultLoginFailedException(ex.Redacted([jwt!]));
        }
    }

    private static string Fingerprint(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16];

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

/// <summary>
/// A failed login, raw (no class named) so a rotation pass can share it; each volume turns it into its own
/// message with <see cref="VaultErrors.Login"/>.
/// </summary>
internal sealed class VaultLoginFailedException(VaultApiException cause) : Exception(cause.Message, cause)
{
    public VaultApiException Cause { get; } = cause;
}
