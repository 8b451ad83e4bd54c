using CsiDriver.Http;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// A small Key Vault data-plane client. Calls covered (all GET, <c>?api-version=</c> from options), counted as
/// backend calls <c>get_secret</c> / <c>get_key</c> / <c>get_certificate</c> / <c>list_versions</c>:
/// <list type="bullet">
/// <item><c>secrets/{name}/{version?}</c>, <c>keys/{name}/{version?}</c>, <c>certificates/{name}/{version?}</c></item>
/// <item><c>{secrets|keys|certificates}/{name}/versions</c>, following <c>nextLink</c> (history mode only)</item>
/// </list>
/// Authentication is the SDKs' bearer-challenge flow: the first request to a vault goes without a
/// token, the 401's <c>WWW-Authenticate: Bearer authorization=.., resource|scope=..</c> names the
/// scope, whose host must be the vault host or a parent domain of it, then the request is replayed
/// with a token for that scope. The learned scope is remembered per vault host.
/// A 429 is retried as <see cref="AzureProviderOptions.Retry"/> decides (Retry-After honoured, bounded).
/// Errors are <see cref="AzureReadException"/>s that name the object but no class, so reads can be shared.
/// </summary>
internal sealed class KeyVaultClient(AzureHttp http, AzureTokenSource tokens, AzureProviderOptions options, TimeProvider time, ILogger logger, Observability.DriverMetrics metrics)
{
    private const int MaxPages = 100;

    private readonly RetryPolicy _throttling = new(options.Retry, time, static () => 0);
    private readonly ConcurrentDictionary<string, string> _scopes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Task<string?>> _probes = new(StringComparer.OrdinalIgnoreCase);

    private long MaxBody => (options.MaxObjectBytes * 2) + (64 * 1024);

    /// <summary>The JSON body of <c>GET {collection}/{name}/{version}</c> (the version may be empty: the latest).</summary>
    public async Task<byte[]> GetObjectAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var uri = VaultUri(call, $"{call.Collection}/{call.Object.ObjectName}/{call.ObjectVersion}");
        return Ok(call, await SendAuthorizedAsync(call, HttpMethod.Get, uri, null, call.GetCallName, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Enabled versions with their creation time (upstream skips disabled ones).</summary>
    public async Task<List<(string Version, long Created)>> ListVersionsAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var items = await ReadPagesAsync(call, $"{call.Collection}/{call.Object.ObjectName}/versions", "list_versions", MaxPages, "versions", cancellationToken).ConfigureAwait(false);
        return [.. items
            .Where(item => item.Attributes is { Enabled: not false })
            .Select(item => (Version: LastSegment(item.Id ?? item.Kid), Created: item.Attributes!.Created ?? 0))
            .Where(v => v.Version is not null)
            .Select(v => (v.Version!, v.Created))];
    }

    /// <summary>
    /// Every secret of the vault <paramref name="call"/> names: its name, whether it is enabled, its tags (<c>GET secrets</c>,
    /// backend call <c>list_secrets</c> per page; pages never carry a value).
    /// </summary>
    public async Task<List<(string Name, bool Enabled, Dictionary<string, string> Tags)>> ListSecretsAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var items = await ReadPagesAsync(call, "secrets", "list_secrets", MaxPages * 10, "secrets", cancellationToken).ConfigureAwait(false);
        return [.. items
            .Select(item => (Name: LastSegment(item.Id), Enabled: item.Attributes?.Enabled != false, Tags: item.Tags ?? []))
            .Where(s => s.Name is not null)
            .Select(s => (s.Name!, s.Enabled, s.Tags))];
    }

    /// <summary>
    /// Writes a new version of the secret with its tags (<c>PUT secrets/{name}</c>, backend call <c>set_secret</c>), sent
    /// like the reads (the vault's challenge scope, the same token cache, sent again while Key Vault throttles).
    /// </summary>
    public async Task SetSecretAsync(VaultCall call, string value, Dictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new SetSecretRequest(value, tags), AzureJsonContext.Default.SetSecretRequest);
        _ = Ok(call, await SendAuthorizedAsync(call, HttpMethod.Put, SecretUri(call), body, "set_secret", cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Deletes the secret (<c>DELETE secrets/{name}</c>, backend call <c>delete_secret</c>; soft delete, as the vault is
    /// configured); one already gone is not an error.
    /// </summary>
    public async Task DeleteSecretAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var reply = await SendAuthorizedAsync(call, HttpMethod.Delete, SecretUri(call), null, "delete_secret", cancellationToken).ConfigureAwait(false);
        if (reply.Status != HttpStatusCode.NotFound)
        {
            _ = Ok(call, reply);
        }
    }

    /// <summary>The items listed at <paramref name="path"/> and on the pages its <c>nextLink</c>s point to, at most <paramref name="maxPages"/>.</summary>
    private async Task<List<KeyVaultItem>> ReadPagesAsync(VaultCall call, string path, string callName, int maxPages, string what, CancellationToken cancellationToken)
    {
        var items = new List<KeyVaultItem>();
        var next = VaultUri(call, path);
        for (var page = 0; page < maxPages; page++)
        {
            var reply = await SendAuthorizedAsync(call, HttpMethod.Get, next, null, callName, cancellationToken).ConfigureAwait(false);
            var listed = Parse(call, Ok(call, reply), AzureJsonContext.Default.KeyVaultPage);
            items.AddRange(listed.Value ?? []);
            if (listed.NextLink is not { Length: > 0 } link)
            {
                return items;
            }

            next = NextLink(call, link);
        }

        throw call.Fail(FailureKind.Unavailable, $"more than {maxPages} pages of {what}");
    }

    /// <summary>A 200 body as <typeparamref name="T"/>; the parser's own message is never passed on (it can quote the body).</summary>
    public static T Parse<T>(VaultCall call, byte[] body, JsonTypeInfo<T> type)
        where T : class
        => BackendJson.Parse(
            body,
            type,
            () => call.Fail(FailureKind.Unavailable, "Key Vault returned an empty body"),
            () => call.Fail(FailureKind.Unavailable, "Key Vault returned a body that is not valid JSON"));

    /// <summary>The version id: the last path segment of an object id.</summary>
    public static string? LastSegment(string? id) =>
        Uri.TryCreate(id, UriKind.Absolute, out var uri) && uri.AbsolutePath.TrimEnd('/').Split('/')[^1] is { Length: > 0 } segment ? segment : null;

    /// <summary><paramref name="path"/> on the vault's transport address, with the API version.</summary>
    private Uri VaultUri(VaultCall call, string path) =>
        new(call.Transport, $"{path.TrimEnd('/')}?api-version={Uri.EscapeDataString(options.ApiVersion)}");

    private Uri SecretUri(VaultCall call) => VaultUri(call, $"secrets/{call.Object.ObjectName}");

    /// <summary>nextLink must stay on the vault; it is re-based onto the transport address.</summary>
    private static Uri NextLink(VaultCall call, string link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) &&
        (uri.Host.Equals(call.Vault.Host, StringComparison.OrdinalIgnoreCase) || uri.Authority.Equals(call.Transport.Authority, StringComparison.OrdinalIgnoreCase))
            ? new Uri(call.Transport, uri.PathAndQuery)
            : throw call.Fail(FailureKind.Unavailable, "the versions list's nextLink points outside the vault");

    /// <summary>
    /// One request with a token for the vault's scope, learned first when unknown. A write learns it from the
    /// challenge of a harmless read of the same object, never of the write itself.
    /// </summary>
    private async Task<BackendResponse> SendAuthorizedAsync(VaultCall call, HttpMethod method, Uri uri, byte[]? body, string callName, CancellationToken cancellationToken)
    {
        var vaultHost = call.Vault.Host;
        if (!_scopes.TryGetValue(vaultHost, out var scope))
        {
            var read = method == HttpMethod.Get;
            var (learned, answer) = await LearnScopeAsync(call, uri, read ? callName : call.GetCallName, cancellationToken).ConfigureAwait(false);
            if (answer is not null)
            {
                return read ? answer : throw call.Fail(FailureKind.PermissionDenied, "Key Vault sent no Bearer challenge (WWW-Authenticate)");
            }

            scope = learned!;
        }

        var token = await tokens.GetTokenAsync(call.Config, scope, cancellationToken).ConfigureAwait(false);
        var reply = await SendAsync(call, method, uri, body, token, callName, cancellationToken).ConfigureAwait(false);
        if (reply.Status == HttpStatusCode.Unauthorized && ScopeFromChallenge(call, reply) is { } challenged && challenged != scope)
        {
            // The vault moved to another scope (e.g. a cloud change behind a private endpoint): follow once.
            _scopes[vaultHost] = challenged;
            token = await tokens.GetTokenAsync(call.Config, challenged, cancellationToken).ConfigureAwait(false);
            reply = await SendAsync(call, method, uri, body, token, callName, cancellationToken).ConfigureAwait(false);
        }

        return reply;
    }

    /// <summary>
    /// The vault's token scope from the Bearer challenge of an unauthenticated probe, or the probe's reply when the
    /// vault answered without a challenge. The parallel reads of one publish wait for one probe per vault rather
    /// than each sending their own; when that probe learns nothing, each probes for itself.
    /// </summary>
    private async Task<(string? Scope, BackendResponse? Answer)> LearnScopeAsync(VaultCall call, Uri uri, string callName, CancellationToken cancellationToken)
    {
        var vaultHost = call.Vault.Host;
        var mine = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _probes.GetOrAdd(vaultHost, mine.Task);
        if (running != mine.Task && await running.WaitAsync(cancellationToken).ConfigureAwait(false) is { } learned)
        {
            return (learned, null);
        }

        try
        {
            var probe = await SendAsync(call, HttpMethod.Get, uri, null, token: null, callName, cancellationToken).ConfigureAwait(false);
            if (probe.Status != HttpStatusCode.Unauthorized)
            {
                return (null, probe);
            }

            var scope = ScopeFromChallenge(call, probe) ?? throw call.Fail(FailureKind.PermissionDenied, "RESPONSE 401: Key Vault sent no Bearer challenge (WWW-Authenticate)");
            _scopes[vaultHost] = scope;
            AzureLog.ChallengeScope(logger, vaultHost, scope);
            mine.TrySetResult(scope);
            return (scope, null);
        }
        finally
        {
            mine.TrySetResult(null);
            _probes.TryRemove(new KeyValuePair<string, Task<string?>>(vaultHost, mine.Task));
        }
    }

    /// <summary>
    /// One request (JSON <paramref name="body"/> when set), built afresh per attempt and repeated while Key Vault
    /// throttles it and <see cref="AzureProviderOptions.Retry"/> allows. A 429 means Key Vault did not process the
    /// request, so writes repeat too.
    /// </summary>
    private Task<BackendResponse> SendAsync(VaultCall call, HttpMethod method, Uri uri, byte[]? body, string? token, string callName, CancellationToken cancellationToken) =>
        http.SendAsync(
            () =>
            {
                metrics.BackendCall("azure", callName);
                var request = new HttpRequestMessage(method, uri);
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                }

                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                return request;
            },
            MaxBody,
            call.Fail,
            _throttling,
            (attempt, delay) => AzureLog.Throttled(logger, call.Object.TypeName, call.Object.ObjectName, call.Vault.Host, attempt, delay.TotalSeconds),
            cancellationToken);

    /// <summary>Parses <c>Bearer authorization="..", resource=".."</c> (or <c>scope=".."</c>) and checks the resource host.</summary>
    private static string? ScopeFromChallenge(VaultCall call, BackendResponse reply)
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

    /// <summary>The body of a 200; anything else becomes the upstream-shaped error for its status.</summary>
    private byte[] Ok(VaultCall call, BackendResponse reply)
    {
        if (reply.Status == HttpStatusCode.OK)
        {
            return reply.Body;
        }

        var error = BackendJson.TryParse(reply.Body, AzureJsonContext.Default.KeyVaultErrorBody)?.Error;
        var code = Safe(error?.Code);
        var inner = Safe(error?.InnerError?.Code);

        var status = (int)reply.Status;
        var detail = $"RESPONSE {status}: {status} {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}, ERROR CODE: {code ?? "(none)"}{(inner is null ? string.Empty : $" ({inner})")}";
        if (reply.Status == HttpStatusCode.TooManyRequests)
        {
            detail += reply.Headers.RetryAfter?.Delta is { } delta ? $", retry after {delta.TotalSeconds:0}s" : string.Empty;

            // Why the retries stopped: the attempts ran out, or Key Vault asked for a longer wait than the driver allows.
            detail += reply.Attempts < options.Retry.MaxAttempts ? $" (Retry-After is longer than the {options.Retry.MaxRetryAfter.TotalSeconds:0.#}s the driver waits)"
                : reply.Attempts > 1 ? $" (throttled on all {reply.Attempts} attempts)"
                : string.Empty;
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

    /// <summary>An error code fit to show (short, letters, digits and <c>_-.</c>), else null: it is backend text.</summary>
    public static string? Safe(string? code) =>
        code is { Length: > 0 and <= 64 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? code : null;
}

/// <summary>
/// One object read's context: the vault's own URI, where requests go, and the object. It names no class:
/// several volumes may share the read, and each builds its own message from the <see cref="AzureReadException"/>.
/// </summary>
internal sealed record VaultCall(AzureMountConfig Config, Uri Vault, Uri Transport, KeyVaultObjectSpec Object, string ObjectVersion)
{
    public string Collection => Object.Type switch
    {
        KeyVaultObjectType.Secret => "secrets",
        KeyVaultObjectType.Key => "keys",
        _ => "certificates",
    };

    /// <summary>The backend-call metric name of a GET of this object: <c>get_secret</c>, <c>get_key</c>, <c>get_certificate</c>.</summary>
    public string GetCallName => $"get_{Collection[..^1]}";

    public AzureReadException Fail(FailureKind kind, string detail) =>
        new(kind, $"failed to get objectType:{Object.TypeName}, objectName:{Object.ObjectName}, objectVersion:{ObjectVersion}: {detail}", kind == FailureKind.NotFound ? "AzureObjectNotFound" : "AzureKeyVaultError");
}
