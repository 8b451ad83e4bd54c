// Google STS calls covered (backend-call metric name: sts_token):
//   POST {token exchange endpoint}  (default https://securetoken.googleapis.com/v1/identitybindingtoken,
//        fleet/WIF: https://sts.googleapis.com/v1/token), RFC 8693 JSON body, no Authorization header.
using System.Net.Http.Json;

namespace CsiDriver.Providers.Gcp;

/// <summary>Trades a pod's Kubernetes service-account token for a federated Google access token.</summary>
internal sealed class TokenExchangeClient(GoogleApiCaller caller, GcpProviderOptions options, TimeProvider time)
{
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
}
