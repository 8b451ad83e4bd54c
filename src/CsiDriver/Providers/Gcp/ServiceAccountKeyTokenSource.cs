// OAuth calls covered (made by Google.Apis.Auth's ServiceAccountCredential; metric name oauth_token):
//   POST {token_uri} grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>
//        (JWT claims iss=client_email, scope=cloud-platform, aud=token_uri, iat, exp)
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsiDriver.Publishing;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Http;
using Google.Apis.Util;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// Mints access tokens from a service-account key (nodePublishSecretRef <c>key.json</c>) with
/// Google.Apis.Auth; the token URI is overridable, the library's own retries are off (ours apply).
/// </summary>
internal sealed class ServiceAccountKeyTokenSource
{
    private static readonly Uri DefaultTokenUri = new("https://oauth2.googleapis.com/token");

    private readonly GcpProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly Observability.DriverMetrics? _metrics;

    public ServiceAccountKeyTokenSource(GcpProviderOptions options, TimeProvider time, Observability.DriverMetrics? metrics = null)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
    }

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
        ServiceAccountCredential credential;
        try
        {
            var initializer = new ServiceAccountCredential.Initializer(key.ClientEmail, TokenUri(key).AbsoluteUri)
            {
                Scopes = [GcpScopes.CloudPlatform],
                KeyId = key.PrivateKeyId,
                Clock = new TimeProviderClock(_time),
                DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
            };
            credential = new ServiceAccountCredential(initializer.FromPrivateKey(key.PrivateKey));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or FormatException or InvalidOperationException)
        {
            throw new GoogleApiException(FailureKind.InvalidConfiguration, "unable to generate credentials from key.json: private_key is not a PEM RSA private key");
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.RequestTimeout);

            // The library's own retries are off, so this is exactly one POST to the token URI.
            _metrics?.BackendCall(GcpProvider.ProviderName, "oauth_token");
            await credential.RequestAccessTokenAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (TokenResponseException ex)
        {
            var status = (int?)ex.StatusCode ?? 0;
            var kind = status is 429 or >= 500 ? FailureKind.Unavailable : FailureKind.PermissionDenied;
            var detail = GoogleApiCaller.Clean($"{ex.Error?.Error}: {ex.Error?.ErrorDescription}", [key.PrivateKey!]);
            throw new GoogleApiException(kind, $"token request for {key.ClientEmail} failed with status {status}: {detail}");
        }
        catch (HttpRequestException ex)
        {
            throw new GoogleApiException(FailureKind.Unavailable, $"cannot reach the token URI {TokenUri(key).Host}: {ex.HttpRequestError}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GoogleApiException(FailureKind.Timeout, $"the token URI {TokenUri(key).Host} did not answer within {_options.RequestTimeout.TotalSeconds:0.###}s");
        }

        var token = credential.Token;
        var expires = token.IssuedUtc + TimeSpan.FromSeconds(token.ExpiresInSeconds ?? 600);
        return new AccessToken(token.AccessToken, new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)));
    }

    /// <summary>The override, else the key's own https <c>token_uri</c> (as Go's oauth2 honours it), else Google's.</summary>
    private Uri TokenUri(ServiceAccountKeyFile key) =>
        _options.ServiceAccountTokenUri
        ?? (Uri.TryCreate(key.TokenUri, UriKind.Absolute, out var own) && own.Scheme == Uri.UriSchemeHttps ? own : DefaultTokenUri);

    /// <summary>Lets tests control the JWT's iat/exp through <see cref="TimeProvider"/>.</summary>
    private sealed class TimeProviderClock : IClock
    {
        private readonly TimeProvider _time;

        public TimeProviderClock(TimeProvider time) => _time = time;

        public DateTime Now => _time.GetLocalNow().DateTime;

        public DateTime UtcNow => _time.GetUtcNow().UtcDateTime;
    }
}
