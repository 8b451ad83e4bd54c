namespace CsiDriver.Providers.Vault;

/// <summary>
/// A small Vault HTTP API client. Calls covered:
/// <list type="bullet">
/// <item><c>POST /v1/auth/&lt;mount&gt;/login</c> {jwt, role} (Kubernetes and JWT auth methods) or {role_id, secret_id} (AppRole)</item>
/// <item><c>GET|POST|PUT|LIST /v1/&lt;path&gt;[?query]</c> with an optional JSON body (KV v1/v2 reads, dynamic secrets, PKI issue)</item>
/// <item><c>PUT /v1/sys/leases/renew</c> {lease_id, increment}</item>
/// <item><c>PUT /v1/sys/leases/revoke</c> {lease_id}</item>
/// </list>
/// Every request carries <c>X-Vault-Request: true</c>, <c>X-Vault-Namespace</c> when set, and
/// <c>X-Vault-Token</c> once logged in. Failures are <see cref="VaultApiException"/>.
/// Every request sent counts as backend call <c>login</c>, <c>read</c> (GET), <c>list</c> (LIST),
/// <c>write</c> (POST/PUT), <c>renew</c> or <c>revoke</c> of provider <c>vault</c>.
/// </summary>
internal sealed class VaultClient(HttpClient http, Uri address, string? @namespace, VaultProviderOptions options, Observability.DriverMetrics metrics)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public Uri Address => address;

    /// <summary>Logs in with a service-account JWT; returns the Vault token and its TTL in seconds (0 = no expiry).</summary>
    public Task<(string Token, long TtlSeconds)> LoginAsync(string mount, string role, string jwt, CancellationToken cancellationToken) =>
        PostLoginAsync(mount, JsonSerializer.Serialize(new VaultLoginRequest(jwt, role), VaultJsonContext.Default.VaultLoginRequest), cancellationToken);

    /// <summary>Logs in with an AppRole role id and secret id; returns the Vault token and its TTL in seconds (0 = no expiry).</summary>
    public Task<(string Token, long TtlSeconds)> AppRoleLoginAsync(string mount, string roleId, string secretId, CancellationToken cancellationToken) =>
        PostLoginAsync(mount, JsonSerializer.Serialize(new VaultAppRoleLoginRequest(roleId, secretId), VaultJsonContext.Default.VaultAppRoleLoginRequest), cancellationToken);

    /// <summary>Reads (or writes, for PKI-style endpoints) one secret path as the object asks.</summary>
    public Task<VaultResponse> ReadAsync(VaultRequestKey request, string token, CancellationToken cancellationToken)
    {
        var (path, query) = NormalizePath(request.SecretPath);
        var call = request.Method switch
        {
            "GET" => "read",
            "LIST" => "list",
            _ => "write",
        };
        return SendAsync(call, new HttpMethod(request.Method), path + query, token, request.ArgsJson, cancellationToken);
    }

    public Task<VaultResponse> RenewLeaseAsync(string leaseId, long incrementSeconds, string token, CancellationToken cancellationToken) =>
        SendAsync("renew", HttpMethod.Put, "/v1/sys/leases/renew", token, JsonSerializer.Serialize(new VaultRenewRequest(leaseId, incrementSeconds), VaultJsonContext.Default.VaultRenewRequest), cancellationToken);

    public Task<VaultResponse> RevokeLeaseAsync(string leaseId, string token, CancellationToken cancellationToken) =>
        SendAsync("revoke", HttpMethod.Put, "/v1/sys/leases/revoke", token, JsonSerializer.Serialize(new VaultRevokeRequest(leaseId), VaultJsonContext.Default.VaultRevokeRequest), cancellationToken);

    /// <summary>
    /// The upstream provider's path rules: <c>/v1/x</c> kept, <c>v1/x</c> → <c>/v1/x</c>,
    /// <c>/x</c> → <c>/v1/x</c>, <c>x</c> → <c>/v1/x</c>; a <c>?query</c> suffix is the URL query.
    /// </summary>
    public static (string Path, string Query) NormalizePath(string secretPath)
    {
        var path = secretPath switch
        {
            _ when secretPath.StartsWith("/v1/", StringComparison.Ordinal) => secretPath,
            _ when secretPath.StartsWith("v1/", StringComparison.Ordinal) => "/" + secretPath,
            _ when secretPath.StartsWith('/') => "/v1" + secretPath,
            _ => "/v1/" + secretPath,
        };

        var queryIndex = path.IndexOf('?', StringComparison.Ordinal);
        return queryIndex < 0 ? (path, string.Empty) : (path[..queryIndex], path[queryIndex..]);
    }

    /// <summary>The login of every auth method: <paramref name="body"/> to the mount's login endpoint, the token out of <c>auth</c>.</summary>
    private async Task<(string Token, long TtlSeconds)> PostLoginAsync(string mount, string body, CancellationToken cancellationToken)
    {
        var path = $"/v1/auth/{mount}/login";
        var response = await SendAsync("login", HttpMethod.Post, path, token: null, body, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(response.ClientToken))
        {
            throw new VaultApiException($"POST {path}", 200, ["the login response carries no auth.client_token"]);
        }

        return (response.ClientToken, response.AuthLeaseDuration);
    }

    private async Task<VaultResponse> SendAsync(string call, HttpMethod method, string pathAndQuery, string? token, string? jsonBody, CancellationToken cancellationToken)
    {
        var path = pathAndQuery.Split('?')[0];
        var operation = $"{method} {path}";
        if (path.Split('/').Any(segment => segment is "." or ".."))
        {
            throw new VaultApiException(operation, 400, ["the path has a '.' or '..' segment"]);
        }

        var response = await CsiDriver.Http.BackendSender.SendAsync(
            http,
            new CsiDriver.Http.BackendCall<VaultApiException>(
                _ => ValueTask.FromResult(Request(call, method, new Uri(address, pathAndQuery.TrimStart('/')), token, jsonBody)),
                options.RequestTimeout,
                options.MaxResponseBytes,
                new VaultFailures(operation),
                CsiDriver.Http.RetryPolicy.Once),
            cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw new VaultApiException(operation, (int)response.Status, ParseErrors(response.Body));
        }

        try
        {
            return VaultResponse.Parse(response.Body);
        }
        catch (JsonException)
        {
            // The parser's text may quote the body, which is secret data.
            throw new VaultApiException(operation, (int)response.Status, ["the response is not valid JSON"]);
        }
    }

    private HttpRequestMessage Request(string call, HttpMethod method, Uri uri, string? token, string? jsonBody)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("X-Vault-Request", "true");
        if (!string.IsNullOrEmpty(@namespace))
        {
            request.Headers.TryAddWithoutValidation("X-Vault-Namespace", @namespace);
        }

        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Vault-Token", token);
        }

        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8);
            request.Content.Headers.ContentType = Json;
        }

        metrics.BackendCall("vault", call);
        return request;
    }

    /// <summary>Vault's <c>{"errors": ["..."]}</c>; anything else in an error body is not repeated.</summary>
    private static List<string> ParseErrors(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                ? [.. errors.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => CsiDriver.Http.ErrorText.Bound(e.GetString()!, 300)).Take(5)]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

/// <summary>Vault's transport failures as <see cref="VaultApiException"/>s; Vault calls are not retried (a write may not be repeatable).</summary>
internal sealed class VaultFailures(string operation) : CsiDriver.Http.BackendFailures<VaultApiException>
{
    public override VaultApiException Timeout(Uri endpoint, TimeSpan timeout, OperationCanceledException error) =>
        new(operation, null, [], $"no answer within {timeout.TotalSeconds:0.#}s", timedOut: true, inner: error);

    public override VaultApiException Unreachable(Uri endpoint, HttpRequestException error) =>
        new(operation, null, [], $"cannot reach Vault at {endpoint.GetLeftPart(UriPartial.Authority)}: {error.Message}", inner: error);

    public override VaultApiException TooLarge(Uri endpoint, System.Net.HttpStatusCode status, long maxBytes) =>
        new(operation, null, [], $"the response is over the {maxBytes}-byte limit", tooLarge: true);
}
