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
    private const long MaxResponseBytes = 64 * 1024;
    private static readonly Uri DefaultTokenUri = new("https://oauth2.googleapis.com/token");
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromHours(1);


    /// <summary>Parses the key; errors never quote it.</summary>
    public static ServiceAccountKeyFile ParseKey(string keyJson)
    {
        ServiceAccountKeyFile? key;
        try
        {
            key = JsonSerializer.Deserialize(keyJson, GcpJsonContext.Default.ServiceAccountKeyFile);
        }
        catch (JsonException)
        {
            throw new GoogleApiException(FailureKind.InvalidConfiguration, "unable to generate credentials from key.json: it is not valid JSON");
        }

        if (key is null || key.Type != "service_account")
        {
            throw new GoogleApiException(FailureKind.InvalidConfiguration, $"unable to generate credentials from key.json: type is \"{key?.Type}\", expected \"service_account\"");
        }

        if (string.IsNullOrEmpty(key.ClientEmail) || string.IsNullOrEmpty(key.PrivateKey))
        {
            throw new GoogleApiException(FailureKind.InvalidConfiguration, "unable to generate credentials from key.json: client_email or private_key is missing");
        }

        return key;
    }

    /// <summary>A stable cache identity for the key: the account plus a digest (not the key).</summary>
    public static string Identity(ServiceAccountKeyFile key, string keyJson) =>
        $"key:{key.ClientEmail}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(keyJson)))[..16]}";

    public async Task<AccessToken> GetTokenAsync(ServiceAccountKeyFile key, CancellationToken cancellationToken)
    {
        var assertion = SignAssertion(key);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = assertion,
        };
        var tokenUri = options.ServiceAccountTokenUri ?? KeyTokenUri(key);
        OAuthTokenResponse response;
        try
        {
            response = await caller.SendAsync(
                "oauth_token",
                () => new HttpRequestMessage(HttpMethod.Post, tokenUri) { Content = new FormUrlEncodedContent(form) },
                GcpJsonContext.Default.OAuthTokenResponse,
                MaxResponseBytes,
                [assertion, key.PrivateKey!],
                cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex)
        {
            // A token URI refusing the grant (400 invalid_grant, 401) means the key is not accepted: permission, not config.
            var kind = ex.Kind is FailureKind.Unavailable or FailureKind.Timeout or FailureKind.TooLarge ? ex.Kind : FailureKind.PermissionDenied;
            throw new GoogleApiException(kind, $"token request for {key.ClientEmail} failed: {ex.Message}");
        }

        return OAuthTokens.ToAccessToken(response, time, "the token URI");
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
            throw new GoogleApiException(FailureKind.InvalidConfiguration, "unable to generate credentials from key.json: private_key is not a PEM RSA private key");
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var header = new JwtHeader("RS256", "JWT", string.IsNullOrEmpty(key.PrivateKeyId) ? null : key.PrivateKeyId);
        var claims = new JwtClaims(key.ClientEmail!, GcpScopes.CloudPlatform, KeyTokenUri(key).AbsoluteUri, now, now + (long)AssertionLifetime.TotalSeconds);
        var signingInput = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header, GcpJsonContext.Default.JwtHeader))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims, GcpJsonContext.Default.JwtClaims))}";
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    /// <summary>The key's own https <c>token_uri</c> (as Go's oauth2 honours it), else Google's; also the JWT audience.</summary>
    private static Uri KeyTokenUri(ServiceAccountKeyFile key) =>
        Uri.TryCreate(key.TokenUri, UriKind.Absolute, out var own) && own.Scheme == Uri.UriSchemeHttps ? own : DefaultTokenUri;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
