using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// A small Key Vault data-plane client. Calls covered (all GET, <c>?api-version=</c> from options):
/// <list type="bullet">
/// <item><c>secrets/{name}/{version?}</c>, <c>keys/{name}/{version?}</c>, <c>certificates/{name}/{version?}</c></item>
/// <item><c>{secrets|keys|certificates}/{name}/versions</c>, following <c>nextLink</c> (history mode only)</item>
/// </list>
/// Authentication is the SDKs' bearer-challenge flow: the first request to a vault goes without a
/// token, the 401's <c>WWW-Authenticate: Bearer authorization=.., resource|scope=..</c> names the
/// scope, whose host must be the vault host or a parent domain of it, then the request is replayed
/// with a token for that scope. The learned scope is remembered per vault host.
/// </summary>
internal sealed class KeyVaultClient
{
    private const int MaxPages = 100;

    private readonly AzureHttp _http;
    private readonly AzureTokenSource _tokens;
    private readonly AzureProviderOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, string> _scopes = new(StringComparer.OrdinalIgnoreCase);

    public KeyVaultClient(AzureHttp http, AzureTokenSource tokens, AzureProviderOptions options, ILogger logger)
    {
        _http = http;
        _tokens = tokens;
        _options = options;
        _logger = logger;
    }

    private long MaxBody => (_options.MaxObjectBytes * 2) + (64 * 1024);

    public Task<SecretBundle> GetSecretAsync(VaultCall call, string version, CancellationToken cancellationToken) =>
        GetAsync(call, $"secrets/{call.Object.ObjectName}/{version}", AzureJsonContext.Default.SecretBundle, cancellationToken);

    public Task<KeyBundle> GetKeyAsync(VaultCall call, string version, CancellationToken cancellationToken) =>
        GetAsync(call, $"keys/{call.Object.ObjectName}/{version}", AzureJsonContext.Default.KeyBundle, cancellationToken);

    public Task<CertificateBundle> GetCertificateAsync(VaultCall call, string version, CancellationToken cancellationToken) =>
        GetAsync(call, $"certificates/{call.Object.ObjectName}/{version}", AzureJsonContext.Default.CertificateBundle, cancellationToken);

    /// <summary>Enabled versions with their creation time (upstream skips disabled ones).</summary>
    public async Task<List<(string Version, long Created)>> ListVersionsAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var collection = call.Object.Type switch
        {
            KeyVaultObjectType.Secret => "secrets",
            KeyVaultObjectType.Key => "keys",
            _ => "certificates",
        };
        var versions = new List<(string, long)>();
        Uri? next = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var result = next is null
                ? await GetAsync(call, $"{collection}/{call.Object.ObjectName}/versions", AzureJsonContext.Default.VersionListPage, cancellationToken).ConfigureAwait(false)
                : await SendAuthorizedAsync(call, next, AzureJsonContext.Default.VersionListPage, cancellationToken).ConfigureAwait(false);
            foreach (var item in result.Value ?? [])
            {
                if (item.Attributes is null || item.Attributes.Enabled == false || LastSegment(item.Id ?? item.Kid) is not { } version)
                {
                    continue;
                }

                versions.Add((version, item.Attributes.Created ?? 0));
            }

            if (string.IsNullOrEmpty(result.NextLink))
            {
                return versions;
            }

            next = NextLink(call, result.NextLink);
        }

        throw call.Fail(FailureKind.Unavailable, $"more than {MaxPages} pages of versions");
    }

    /// <summary>The version id: the last path segment of an object id.</summary>
    public static string? LastSegment(string? id)
    {
        if (string.IsNullOrEmpty(id) || !Uri.TryCreate(id, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var segment = uri.AbsolutePath.TrimEnd('/').Split('/')[^1];
        return segment.Length > 0 ? segment : null;
    }

    private Task<T> GetAsync<T>(VaultCall call, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var uri = new Uri(call.Transport, $"{path.TrimEnd('/')}?api-version={Uri.EscapeDataString(_options.ApiVersion)}");
        return SendAuthorizedAsync(call, uri, type, cancellationToken);
    }

    /// <summary>nextLink must stay on the vault; it is re-based onto the transport address.</summary>
    private static Uri NextLink(VaultCall call, string link)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) ||
            !(uri.Host.Equals(call.Vault.Host, StringComparison.OrdinalIgnoreCase) || uri.Authority.Equals(call.Transport.Authority, StringComparison.OrdinalIgnoreCase)))
        {
            throw call.Fail(FailureKind.Unavailable, "the versions list's nextLink points outside the vault");
        }

        return new Uri(call.Transport, uri.PathAndQuery);
    }

    private async Task<T> SendAuthorizedAsync<T>(VaultCall call, Uri uri, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var vaultHost = call.Vault.Host;
        if (!_scopes.TryGetValue(vaultHost, out var scope))
        {
            var probe = await SendAsync(call, uri, token: null, cancellationToken).ConfigureAwait(false);
            if (probe.Status != HttpStatusCode.Unauthorized)
            {
                return Read(call, probe, type);
            }

            scope = ScopeFromChallenge(call, probe) ?? throw call.Fail(FailureKind.PermissionDenied, "RESPONSE 401: Key Vault sent no Bearer challenge (WWW-Authenticate)");
            _scopes[vaultHost] = scope;
            AzureLog.ChallengeScope(_logger, vaultHost, scope);
        }

        var token = await _tokens.GetTokenAsync(call.Config, scope, call.ClassDescription, cancellationToken).ConfigureAwait(false);
        var reply = await SendAsync(call, uri, token, cancellationToken).ConfigureAwait(false);
        if (reply.Status == HttpStatusCode.Unauthorized && ScopeFromChallenge(call, reply) is { } challenged && challenged != scope)
        {
            // The vault moved to another scope (e.g. a cloud change behind a private endpoint): follow once.
            _scopes[vaultHost] = challenged;
            token = await _tokens.GetTokenAsync(call.Config, challenged, call.ClassDescription, cancellationToken).ConfigureAwait(false);
            reply = await SendAsync(call, uri, token, cancellationToken).ConfigureAwait(false);
        }

        return Read(call, reply, type);
    }

    private Task<AzureReply> SendAsync(VaultCall call, Uri uri, string? token, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return SendAndDisposeAsync(request, call, cancellationToken);
    }

    private async Task<AzureReply> SendAndDisposeAsync(HttpRequestMessage request, VaultCall call, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await _http.SendAsync(request, MaxBody, call.Fail, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Parses <c>Bearer authorization="..", resource=".."</c> (or <c>scope=".."</c>) and checks the resource host.</summary>
    private static string? ScopeFromChallenge(VaultCall call, AzureReply reply)
    {
        foreach (var header in reply.Headers.WwwAuthenticate)
        {
            if (!header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            {
                continue;
            }

            var values = ChallengeParameters(header.Parameter);
            string? scope = values.TryGetValue("scope", out var s) ? s
                : values.TryGetValue("resource", out var r) ? r.TrimEnd('/') + "/.default"
                : null;
            if (scope is null)
            {
                continue;
            }

            if (!Uri.TryCreate(scope, UriKind.Absolute, out var scopeUri) || scopeUri.Scheme != Uri.UriSchemeHttps)
            {
                throw call.Fail(FailureKind.PermissionDenied, "Key Vault's Bearer challenge names a resource that is not an https URL");
            }

            var vaultHost = call.Vault.Host;
            var resourceHost = scopeUri.Host;
            if (!vaultHost.Equals(resourceHost, StringComparison.OrdinalIgnoreCase) &&
                !vaultHost.EndsWith("." + resourceHost, StringComparison.OrdinalIgnoreCase))
            {
                throw call.Fail(FailureKind.PermissionDenied, $"Key Vault's Bearer challenge names resource host '{resourceHost}', which is not a parent domain of the vault host '{vaultHost}' (refusing to send a token for it)");
            }

            return scope;
        }

        return null;
    }

    private static Dictionary<string, string> ChallengeParameters(string parameter)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in parameter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[part[..eq].Trim()] = part[(eq + 1)..].Trim().Trim('"');
            }
        }

        return values;
    }

    private static T Read<T>(VaultCall call, AzureReply reply, JsonTypeInfo<T> type)
        where T : class
    {
        if (reply.Status == HttpStatusCode.OK)
        {
            try
            {
                return JsonSerializer.Deserialize(reply.Body, type) ?? throw call.Fail(FailureKind.Unavailable, "Key Vault returned an empty body");
            }
            catch (JsonException)
            {
                // JsonException text can quote the body, i.e. the secret.
                throw call.Fail(FailureKind.Unavailable, "Key Vault returned a body that is not valid JSON");
            }
        }

        string? code = null, inner = null;
        try
        {
            var error = reply.Body.Length > 0 ? JsonSerializer.Deserialize(reply.Body, AzureJsonContext.Default.KeyVaultErrorBody)?.Error : null;
            code = Safe(error?.Code);
            inner = Safe(error?.InnerError?.Code);
        }
        catch (JsonException)
        {
            // Not Key Vault's envelope (a proxy page, say): the status alone is reported.
        }

        var status = (int)reply.Status;
        var detail = $"RESPONSE {status}: {status} {ReasonPhrase(reply.Status)}, ERROR CODE: {code ?? "(none)"}{(inner is null ? string.Empty : $" ({inner})")}";
        if (reply.Status == HttpStatusCode.TooManyRequests && reply.Headers.RetryAfter?.Delta is { } delta)
        {
            detail += $", retry after {delta.TotalSeconds:0}s";
        }

        var kind = status switch
        {
            400 => FailureKind.InvalidConfiguration,
            401 or 403 => FailureKind.PermissionDenied,
            404 => FailureKind.NotFound,
            _ => FailureKind.Unavailable,
        };
        throw call.Fail(kind, detail);
    }

    private static string ReasonPhrase(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.InternalServerError => "Internal Server Error",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        _ => status.ToString(),
    };

    private static string? Safe(string? code) =>
        code is { Length: > 0 and <= 64 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? code : null;
}

/// <summary>One object fetch's context: the vault's own URI, where requests go, and how errors read.</summary>
internal sealed record VaultCall(AzureMountConfig Config, Uri Vault, Uri Transport, KeyVaultObjectSpec Object, string ObjectVersion, string ClassDescription)
{
    public SecretStoreException Fail(FailureKind kind, string detail) =>
        new(kind, $"SecretProviderClass {ClassDescription}: failed to mount objects, error: failed to get objectType:{Object.TypeName}, objectName:{Object.ObjectName}, objectVersion:{ObjectVersion}: {detail}")
        {
            Reason = kind == FailureKind.NotFound ? "AzureObjectNotFound" : "AzureKeyVaultError",
        };
}
