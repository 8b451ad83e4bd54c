// Google STS and IAM Service Account Credentials calls covered (backend-call metric names in brackets):
//   POST {token exchange endpoint}  [sts_token]  (default https://securetoken.googleapis.com/v1/identitybindingtoken,
//        fleet/WIF: https://sts.googleapis.com/v1/token), RFC 8693 JSON body, no Authorization header.
//   POST {iamcredentials}/v1/projects/-/serviceAccounts/{email}:generateAccessToken  [generate_access_token]
//        Authorization: Bearer <federated token>,
//        body {"scope":["https://www.googleapis.com/auth/cloud-platform"],"delegates":["projects/-/serviceAccounts/{d}"]}
using System.Net.Http.Json;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>Workload identity federation: a Kubernetes service-account token traded for a Google access token, then optionally a Google service account impersonated with it.</summary>
internal sealed class FederatedTokenClient(GoogleApiCaller caller, GcpProviderOptions options, TimeProvider time)
{
    /// <summary>The federated access token for <paramref name="kubernetesToken"/> in the pool <paramref name="audience"/> names.</summary>
    public async Task<AccessToken> ExchangeAsync(string kubernetesToken, string audience, CancellationToken cancellationToken)
    {
        var body = new TokenExchangeRequest(SubjectToken: kubernetesToken, Audience: audience);
        var response = await caller.SendAsync(
            "sts_token",
            () => new HttpRequestMessage(HttpMethod.Post, options.TokenExchangeEndpoint) { Content = JsonContent.Create(body, GcpJsonContext.Default.TokenExchangeRequest) },
            GcpJsonContext.Default.OAuthTokenResponse,
            GoogleApiCaller.TokenResponseLimit,
            [kubernetesToken],
            cancellationToken).ConfigureAwait(false);
        return response.ToAccessToken(time, "the token exchange");
    }

    /// <summary>An access token of <paramref name="serviceAccount"/> (through <paramref name="delegates"/>), asked for with the <paramref name="federated"/> token.</summary>
    public async Task<AccessToken> GenerateAccessTokenAsync(string serviceAccount, IReadOnlyList<string> delegates, AccessToken federated, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{options.IamCredentialsEndpoint.AbsoluteUri.TrimEnd('/')}/v1/projects/-/serviceAccounts/{Uri.EscapeDataString(serviceAccount)}:generateAccessToken");
        var body = new GenerateAccessTokenRequest(delegates.Count == 0 ? null : [.. delegates.Select(d => $"projects/-/serviceAccounts/{d}")]);
        var response = await caller.SendAsync(
            "generate_access_token",
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body, GcpJsonContext.Default.GenerateAccessTokenRequest) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", federated.Value);
                return request;
            },
            GcpJsonContext.Default.GenerateAccessTokenResponse,
            GoogleApiCaller.TokenResponseLimit,
            [federated.Value],
            cancellationToken).ConfigureAwait(false);
        var accessToken = string.IsNullOrEmpty(response.AccessToken) ? throw new GoogleApiException(FailureKind.Unavailable, "generateAccessToken returned no accessToken") : response.AccessToken;
        var now = time.GetUtcNow();
        return new AccessToken(accessToken, response.ExpireTime is { } e && e > now ? e : now + TimeSpan.FromMinutes(10));
    }
}
