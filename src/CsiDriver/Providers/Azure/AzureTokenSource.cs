using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// Gets Entra ID access tokens as the pod, for a Key Vault scope. Calls covered:
/// <list type="bullet">
/// <item><c>POST {authority}/{tenant}/oauth2/v2.0/token</c>, client_credentials with
/// <c>client_assertion</c> (jwt-bearer; workload identity) or <c>client_secret</c> (nodePublishSecretRef).</item>
/// <item><c>GET {imds}/metadata/identity/oauth2/token?api-version=2018-02-01&amp;resource=..[&amp;client_id=..]</c>
/// with <c>Metadata: true</c> (useVMManagedIdentity).</item>
/// <item><c>GET {nmi}?resource=..</c> with <c>podns</c>/<c>podname</c> headers (deprecated usePodIdentity).</item>
/// </list>
/// Tokens are cached per (mode, authority, tenant, client, scope, hash of the credential material)
/// until shortly before expiry, so a new pod token (a new assertion) never reuses another's result
/// and nothing ever falls back to the driver's own identity.
/// </summary>
internal sealed class AzureTokenSource
{
    private const int MaxCacheEntries = 1024;
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly AzureHttp _http;
    private readonly AzureProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);

    public AzureTokenSource(AzureHttp http, AzureProviderOptions options, TimeProvider time, ILogger logger)
    {
        _http = http;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>A bearer token for <paramref name="scope"/> (e.g. <c>https://vault.azure.net/.default</c>).</summary>
    public async Task<string> GetTokenAsync(AzureMountConfig config, string scope, string classDescription, CancellationToken cancellationToken)
    {
        var authority = _options.AuthorityHostOverride ?? config.Cloud.AuthorityHost;
        var key = CacheKey(config, authority, scope);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && now < cached.RefreshAt)
        {
            return cached.Token;
        }

        var (token, expiresIn) = config.Credential switch
        {
            WorkloadIdentityCredential wi => await FromEntraIdAsync(config, authority, scope, wi.ClientId, "client_assertion", wi.Assertion, classDescription, cancellationToken).ConfigureAwait(false),
            ClientSecretCredential sp => await FromEntraIdAsync(config, authority, scope, sp.ClientId, "client_secret", sp.Secret, classDescription, cancellationToken).ConfigureAwait(false),
            ManagedIdentityCredential mi => await FromImdsAsync(mi, scope, classDescription, cancellationToken).ConfigureAwait(false),
            PodIdentityCredential pi => await FromNmiAsync(pi, scope, classDescription, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException("unknown credential"),
        };

        var lifetime = TimeSpan.FromSeconds(Math.Max(0, expiresIn));
        var margin = lifetime / 2 < RefreshMargin ? lifetime / 2 : RefreshMargin;
        if (_cache.Count >= MaxCacheEntries)
        {
            foreach (var entry in _cache.Where(e => e.Value.RefreshAt <= now).ToList())
            {
                _cache.TryRemove(entry.Key, out _);
            }

            if (_cache.Count >= MaxCacheEntries)
            {
                _cache.Clear();
            }
        }

        _cache[key] = new CachedToken(token, now + lifetime - margin);
        AzureLog.TokenAcquired(_logger, config.Credential.Mode, config.TenantId, scope, (long)lifetime.TotalSeconds);
        return token;
    }

    private async Task<(string Token, long ExpiresIn)> FromEntraIdAsync(
        AzureMountConfig config, Uri authority, string scope, string clientId, string credentialField, string credential, string classDescription, CancellationToken cancellationToken)
    {
        var endpoint = new Uri(authority, $"{Uri.EscapeDataString(config.TenantId)}/oauth2/v2.0/token");
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
            new("scope", scope),
        };
        if (credentialField == "client_assertion")
        {
            form.Add(new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        }

        form.Add(new(credentialField, credential));
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        var what = $"{config.Credential.Mode} token request for client {clientId} in tenant {config.TenantId}";
        var reply = await _http.SendAsync(request, 256 * 1024, (kind, detail) => Fail(classDescription, kind, $"{what} failed: {detail}"), cancellationToken).ConfigureAwait(false);
        var body = Parse(reply, classDescription, what);
        if (reply.Status != HttpStatusCode.OK || string.IsNullOrEmpty(body?.AccessToken))
        {
            var codes = body?.ErrorCodes is { Count: > 0 } list ? $" (AADSTS{string.Join(", AADSTS", list)})" : string.Empty;
            var error = body?.Error is { } e && SafeCode(e) ? $", error {e}" : string.Empty;
            throw Fail(classDescription, KindFor(reply.Status), $"{what} failed: HTTP {(int)reply.Status}{error}{codes}");
        }

        return (body.AccessToken, body.ExpiresIn ?? 3600);
    }

    private async Task<(string Token, long ExpiresIn)> FromImdsAsync(ManagedIdentityCredential mi, string scope, string classDescription, CancellationToken cancellationToken)
    {
        var query = $"metadata/identity/oauth2/token?api-version=2018-02-01&resource={Uri.EscapeDataString(ResourceOf(scope))}";
        if (mi.ClientId is { } id)
        {
            query += $"&client_id={Uri.EscapeDataString(id)}";
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_options.ImdsEndpoint, query));
        request.Headers.Add("Metadata", "true");
        var what = mi.ClientId is null ? "managed identity token request (system-assigned)" : $"managed identity token request for user-assigned identity {mi.ClientId}";
        var reply = await _http.SendAsync(request, 256 * 1024, (kind, detail) => Fail(classDescription, kind, $"{what} failed: {detail}"), cancellationToken).ConfigureAwait(false);
        var body = Parse(reply, classDescription, what);
        if (reply.Status != HttpStatusCode.OK || string.IsNullOrEmpty(body?.AccessToken))
        {
            var error = body?.Error is { } e && SafeCode(e) ? $", error {e}" : string.Empty;
            throw Fail(classDescription, KindFor(reply.Status), $"{what} failed: HTTP {(int)reply.Status}{error}");
        }

        return (body.AccessToken, body.ExpiresIn ?? 3600);
    }

    private async Task<(string Token, long ExpiresIn)> FromNmiAsync(PodIdentityCredential pi, string scope, string classDescription, CancellationToken cancellationToken)
    {
        var builder = new UriBuilder(_options.NmiEndpoint) { Query = $"resource={Uri.EscapeDataString(ResourceOf(scope))}" };
        using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        request.Headers.Add("podns", pi.PodNamespace);
        request.Headers.Add("podname", pi.PodName);
        const string what = "pod identity (NMI) token request";
        var reply = await _http.SendAsync(request, 256 * 1024, (kind, detail) => Fail(classDescription, kind, $"{what} failed: {detail}"), cancellationToken).ConfigureAwait(false);
        if (reply.Status != HttpStatusCode.OK)
        {
            throw Fail(classDescription, KindFor(reply.Status), $"{what} failed: nmi response failed with status code: {(int)reply.Status}");
        }

        NmiResponse? body;
        try
        {
            body = JsonSerializer.Deserialize(reply.Body, AzureJsonContext.Default.NmiResponse);
        }
        catch (JsonException)
        {
            throw Fail(classDescription, FailureKind.Unavailable, $"{what} failed: the response is not valid JSON");
        }

        if (string.IsNullOrEmpty(body?.Token?.AccessToken) || string.IsNullOrEmpty(body.ClientId))
        {
            throw Fail(classDescription, FailureKind.Unavailable, $"{what} failed: nmi did not return expected values in response: token and clientid");
        }

        return (body.Token.AccessToken, body.Token.ExpiresIn ?? 3600);
    }

    private static TokenResponse? Parse(AzureReply reply, string classDescription, string what)
    {
        try
        {
            return reply.Body.Length == 0 ? null : JsonSerializer.Deserialize(reply.Body, AzureJsonContext.Default.TokenResponse);
        }
        catch (JsonException)
        {
            // The parser's message could quote the body, which may hold a token.
            throw Fail(classDescription, reply.Status == HttpStatusCode.OK ? FailureKind.Unavailable : KindFor(reply.Status), $"{what} failed: HTTP {(int)reply.Status} with a body that is not valid JSON");
        }
    }

    /// <summary>IMDS and NMI take a resource, not a scope.</summary>
    private static string ResourceOf(string scope) =>
        scope.EndsWith("/.default", StringComparison.Ordinal) ? scope[..^"/.default".Length] : scope;

    private static FailureKind KindFor(HttpStatusCode status) => (int)status switch
    {
        400 or 401 or 403 => FailureKind.PermissionDenied,
        404 => FailureKind.NotFound,
        _ => FailureKind.Unavailable,
    };

    private static bool SafeCode(string code) => code.Length <= 64 && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static SecretStoreException Fail(string classDescription, FailureKind kind, string detail) =>
        new(kind, $"SecretProviderClass {classDescription}: failed to mount objects, error: failed to get key vault token: {detail}") { Reason = "AzureAuthFailed" };

    private static string CacheKey(AzureMountConfig config, Uri authority, string scope)
    {
        var (mode, client, material) = config.Credential switch
        {
            WorkloadIdentityCredential wi => ("wi", wi.ClientId, wi.Assertion),
            ClientSecretCredential sp => ("sp", sp.ClientId, sp.Secret),
            ManagedIdentityCredential mi => ("mi", mi.ClientId ?? string.Empty, string.Empty),
            PodIdentityCredential pi => ("nmi", string.Empty, pi.PodNamespace + "/" + pi.PodName),
            _ => ("?", string.Empty, string.Empty),
        };

        // Only a hash of the credential is kept, so the cache never holds a second copy of it.
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
        return string.Join('\n', mode, authority.AbsoluteUri, config.TenantId, client, scope, hash);
    }

    private sealed record CachedToken(string Token, DateTimeOffset RefreshAt)
    {
        public override string ToString() => $"token (refresh at {RefreshAt:O})";
    }
}
