// IAM Service Account Credentials calls covered (Authorization: Bearer <federated token>; metric name generate_access_token):
//   POST {iamcredentials}/v1/projects/-/serviceAccounts/{email}:generateAccessToken
//        body {"scope":["https://www.googleapis.com/auth/cloud-platform"],"delegates":["projects/-/serviceAccounts/{d}"]}
using System.Net.Http.Json;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>Impersonates a Google service account with a federated token.</summary>
internal sealed class IamCredentialsClient(GoogleApiCaller caller, GcpProviderOptions options, TimeProvider time)
{
    public async Task<AccessToken> GenerateAccessTokenAsync(string serviceAccount, IReadOnlyList<string> delegates, AccessToken federated, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{options.IamCredentialsEndpoint.AbsoluteUri.TrimEnd('/')}/v1/projects/-/serviceAccounts/{Uri.EscapeDataString(serviceAccount)}:generateAccessToken");
        var body = new GenerateAccessTokenRequest
        {
            Delegates = delegates.Count == 0 ? null : delegates.Select(d => $"projects/-/serviceAccounts/{d}").ToList(),
        };
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
        if (string.IsNullOrEmpty(response.AccessToken))
        {
            throw new GoogleApiException(FailureKind.Unavailable, "generateAccessToken returned no accessToken");
        }

        var now = time.GetUtcNow();
        var expires = response.ExpireTime is { } e && e > now ? e : now + TimeSpan.FromMinutes(10);
        return new AccessToken(response.AccessToken, expires);
    }
}
