using CsiDriver.Http;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// Gets Entra ID access tokens as the pod, for a Key Vault scope. Calls covered:
/// <list type="bullet">
/// <item><c>POST {authority}/{tenant}/oauth2/v2.0/token</c>, client_credentials with
/// <c>client_assertion</c> (jwt-bearer; workload identity, or one signed with a service principal's certificate) or
/// <c>client_secret</c> (nodePublishSecretRef).</item>
/// <item><c>GET {imds}/metadata/identity/oauth2/token?api-version=2018-02-01&amp;resource=..[&amp;client_id=..]</c>
/// with <c>Metadata: true</c> (useVMManagedIdentity).</item>
/// <item><c>GET {nmi}?resource=..</c> with <c>podns</c>/<c>podname</c> headers (deprecated usePodIdentity).</item>
/// </list>
/// Tokens are cached per (identity, scope) until shortly before expiry, the identity being what Entra ID
/// authorises (see <see cref="AzureMountConfig.Identity"/>): workload identity by client and service
/// account, a client secret by client and a hash of the secret. Concurrent requests for one key share one
/// token call, so a rotation pass over many volumes of one identity asks Entra ID once per token lifetime.
/// Nothing ever falls back to the driver's own identity. Every call counts as backend call <c>token</c>.
/// </summary>
internal sealed class AzureTokenSource(AzureHttp http, AzureProviderOptions options, TimeProvider time, ILogger logger, Observability.DriverMetrics metrics)
{
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly TokenCache<string, string> _tokens = new(time, TokenCache<string, string>.Margin(0.5, RefreshMargin));

    /// <summary>A bearer token for <paramref name="scope"/> (e.g. <c>https://vault.azure.net/.default</c>).</summary>
    /// <exception cref="AzureReadException">Entra ID, IMDS or NMI refused or failed.</exception>
    public Task<string> GetTokenAsync(AzureMountConfig config, string scope, CancellationToken cancellationToken) =>
        _tokens.GetOrCreateAsync(config.Identity + "\n" + scope, ct => AcquireAsync(config, scope, ct), cancellationToken);

    private async Task<(string Token, TimeSpan? Lifetime)> AcquireAsync(AzureMountConfig config, string scope, CancellationToken cancellationToken)
    {
        var (token, expiresIn) = config.Credential switch
        {
            PodIdentityCredential pi => await FromNmiAsync(pi, scope, cancellationToken).ConfigureAwait(false),
            ManagedIdentityCredential mi => await RequestTokenAsync(ImdsRequest(mi, scope), cancellationToken).ConfigureAwait(false),
            _ => await RequestTokenAsync(EntraIdRequest(config, scope), cancellationToken).ConfigureAwait(false),
        };

        var lifetime = TimeSpan.FromSeconds(Math.Max(0, expiresIn));
        AzureLog.TokenAcquired(logger, config.Credential.Mode, config.TenantId, scope, (long)lifetime.TotalSeconds);
        return (token, lifetime);
    }

    /// <summary>client_credentials at the tenant's endpoint, proven by a client assertion or a client secret.</summary>
    private (HttpRequestMessage Request, string What) EntraIdRequest(AzureMountConfig config, string scope)
    {
        // The endpoint is also the audience a certificate's client assertion names.
        var endpoint = new Uri(config.Authority, $"{Uri.EscapeDataString(config.TenantId)}/oauth2/v2.0/token");
        var (clientId, field, credential) = config.Credential switch
        {
            WorkloadIdentityCredential wi => (wi.ClientId, "client_assertion", wi.Assertion),
            ClientSecretCredential sp => (sp.ClientId, "client_secret", sp.Secret),
            ClientCertificateCredential cc => (cc.ClientId, "client_assertion", cc.Certificate.CreateAssertion(cc.ClientId, endpoint, time.GetUtcNow())),
            _ => throw new InvalidOperationException("unknown credential"),
        };
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
            new("scope", scope),
        };
        if (field == "client_assertion")
        {
            form.Add(new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        }

        form.Add(new(field, credential));
        return (new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) }, $"{config.Credential.Mode} token request for client {clientId} in tenant {config.TenantId}");
    }

    private (HttpRequestMessage Request, string What) ImdsRequest(ManagedIdentityCredential mi, string scope)
    {
        var clientId = mi.ClientId is { } id ? $"&client_id={Uri.EscapeDataString(id)}" : string.Empty;
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.ImdsEndpoint, $"metadata/identity/oauth2/token?api-version=2018-02-01&resource={Uri.EscapeDataString(ResourceOf(scope))}{clientId}"));
        request.Headers.Add("Metadata", "true");
        return (request, mi.ClientId is null ? "managed identity token request (system-assigned)" : $"managed identity token request for user-assigned identity {mi.ClientId}");
    }

    /// <summary>An OAuth token request to Entra ID or IMDS: the token, or an error naming the status and the error codes.</summary>
    private async Task<(string Token, long ExpiresIn)> RequestTokenAsync((HttpRequestMessage Request, string What) call, CancellationToken cancellationToken)
    {
        var what = call.What;
        var reply = await SendAsync(call.Request, what, cancellationToken).ConfigureAwait(false);
        TokenResponse? body;
        try
        {
            body = reply.Body.Length == 0 ? null : JsonSerializer.Deserialize(reply.Body, AzureJsonContext.Default.TokenResponse);
        }
        catch (JsonException)
        {
            // The parser's message could quote the body, which may hold a token.
            throw Fail(reply.Status == HttpStatusCode.OK ? FailureKind.Unavailable : KindFor(reply.Status), $"{what} failed: HTTP {(int)reply.Status} with a body that is not valid JSON");
        }

        if (reply.Status != HttpStatusCode.OK || string.IsNullOrEmpty(body?.AccessToken))
        {
            var codes = body?.ErrorCodes is { Count: > 0 } list ? $" (AADSTS{string.Join(", AADSTS", list)})" : string.Empty;
            var error = KeyVaultClient.Safe(body?.Error) is { } e ? $", error {e}" : string.Empty;
            throw Fail(KindFor(reply.Status), $"{what} failed: HTTP {(int)reply.Status}{error}{codes}");
        }

        return (body.AccessToken, body.ExpiresIn ?? 3600);
    }

    private async Task<(string Token, long ExpiresIn)> FromNmiAsync(PodIdentityCredential pi, string scope, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(options.NmiEndpoint) { Query = $"resource={Uri.EscapeDataString(ResourceOf(scope))}" }.Uri);
        request.Headers.Add("podns", pi.PodNamespace);
        request.Headers.Add("podname", pi.PodName);
        const string what = "pod identity (NMI) token request";
        var reply = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        if (reply.Status != HttpStatusCode.OK)
        {
            throw Fail(KindFor(reply.Status), $"{what} failed: nmi response failed with status code: {(int)reply.Status}");
        }

        var body = BackendJson.Parse(
            reply.Body,
            AzureJsonContext.Default.NmiResponse,
            () => Fail(FailureKind.Unavailable, $"{what} failed: nmi did not return expected values in response: token and clientid"),
            () => Fail(FailureKind.Unavailable, $"{what} failed: the response is not valid JSON"));
        if (string.IsNullOrEmpty(body.Token?.AccessToken) || string.IsNullOrEmpty(body.ClientId))
        {
            throw Fail(FailureKind.Unavailable, $"{what} failed: nmi did not return expected values in response: token and clientid");
        }

        return (body.Token.AccessToken, body.Token.ExpiresIn ?? 3600);
    }

    /// <summary>One token request, sent once (so the one message serves, and is disposed after): every answer is returned.</summary>
    private async Task<BackendResponse> SendAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        using (request)
        {
            metrics.BackendCall("azure", "token");
            return await http.SendAsync(() => request, 256 * 1024, (kind, detail) => Fail(kind, $"{what} failed: {detail}"), RetryPolicy.Once, throttled: null, cancellationToken).ConfigureAwait(false);
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

    private static AzureReadException Fail(FailureKind kind, string detail) =>
        new(kind, $"failed to get key vault token: {detail}", "AzureAuthFailed");
}
