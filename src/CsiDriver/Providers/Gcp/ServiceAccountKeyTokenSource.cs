// OAuth calls covered (metric name oauth_token), as RFC 7523 and Google's service-account flow define them:
//   POST {token_uri} grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>
//        (JWT header alg=RS256, typ=JWT, kid=private_key_id; claims iss=client_email, scope=cloud-platform,
//        aud=the key's Google token URI, iat, exp=iat+1h)
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// Mints access tokens from a service-account key (nodePublishSecretRef <c>key.json</c>): a JWT signed with the
/// key, exchanged at the token URI through <see cref="GoogleApiCaller"/> (our timeouts, retries and redaction).
/// Written here rather than taken from Google.Apis.Auth, whose reflection-based JSON does not survive the native build.
/// </summary>
internal sealed class ServiceAccountKeyTokenSource(GoogleApiCaller caller, GcpProviderOptions options, TimeProvider time)
{
    private static readonly Uri DefaultTokenUri = new("https://oauth2.googleapis.com/token");
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromHours(1);

    /// <summary>The key's credential, its tokens cached in <paramref name="cache"/>; a key that cannot be read fails here, never quoted.</summary>
    public GcpCredential Credential(string keyJson, AccessTokenCache cache)
    {
        var key = ParseKey(keyJson);
        // The account plus a digest of the key: a stable identity that holds no key.
        var identity = $"key:{key.ClientEmail}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(keyJson)))[..16]}";
        return cache.Credential(identity, ct => GetTokenAsync(key, ct));
    }

    private static ServiceAccountKeyFile ParseKey(string keyJson)
    {
        var key = Http.BackendJson.Parse(Encoding.UTF8.GetBytes(keyJson), GcpJsonContext.Default.ServiceAccountKeyFile, () => Unusable("type is \"\", expected \"service_account\""), () => Unusable("it is not valid JSON"));
        return key.Type != "service_account" ? throw Unusable($"type is \"{key.Type}\", expected \"service_account\"")
            : string.IsNullOrEmpty(key.ClientEmail) || string.IsNullOrEmpty(key.PrivateKey) ? throw Unusable("client_email or private_key is missing")
            : key;
    }

    private static GoogleApiException Unusable(string why) => new(FailureKind.InvalidConfiguration, $"unable to generate credentials from key.json: {why}");

    private async Task<AccessToken> GetTokenAsync(ServiceAccountKeyFile key, CancellationToken cancellationToken)
    {
        var assertion = SignAssertion(key);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = assertion,
        };
        var tokenUri = options.ServiceAccountTokenUri ?? KeyTokenUri(key);
        var response = await GoogleApiException.RewordAsync(
            caller.SendAsync(
                "oauth_token",
                () => new HttpRequestMessage(HttpMethod.Post, tokenUri) { Content = new FormUrlEncodedContent(form) },
                GcpJsonContext.Default.OAuthTokenResponse,
                GoogleApiCaller.TokenResponseLimit,
                [assertion, key.PrivateKey!],
                cancellationToken),
            // A token URI refusing the grant (400 invalid_grant, 401) means the key is not accepted: permission, not config.
            kind => kind is FailureKind.Unavailable or FailureKind.Timeout or FailureKind.TooLarge ? kind : FailureKind.PermissionDenied,
            message => $"token request for {key.ClientEmail} failed: {message}").ConfigureAwait(false);
        return response.ToAccessToken(time, "the token URI");
    }

    /// <summary>The RS256 JWT the token URI exchanges; iat/exp follow the injected clock.</summary>
    private string SignAssertion(ServiceAccountKeyFile key)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(key.PrivateKey);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw Unusable("private_key is not a PEM RSA private key");
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        return Http.JwtAssertion.Sign(
            rsa,
            string.IsNullOrEmpty(key.PrivateKeyId) ? [] : [("kid", key.PrivateKeyId)],
            [
                ("iss", key.ClientEmail!),
                ("scope", GcpScopes.CloudPlatform),
                ("aud", KeyTokenUri(key).AbsoluteUri),
                ("iat", now),
                ("exp", now + (long)AssertionLifetime.TotalSeconds),
            ]);
    }

    /// <summary>The key's own https <c>token_uri</c> (as Go's oauth2 honours it), else Google's; also the JWT audience.</summary>
    private static Uri KeyTokenUri(ServiceAccountKeyFile key) =>
        Uri.TryCreate(key.TokenUri, UriKind.Absolute, out var own) && own.Scheme == Uri.UriSchemeHttps ? own : DefaultTokenUri;
}
