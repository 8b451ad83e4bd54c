// GCE metadata server calls covered (header Metadata-Flavor: Google; metric names metadata_value, metadata_token):
//   GET {metadata}/computeMetadata/v1/project/project-id
//   GET {metadata}/computeMetadata/v1/instance/attributes/cluster-location
//   GET {metadata}/computeMetadata/v1/instance/attributes/cluster-name
//   GET {metadata}/computeMetadata/v1/instance/service-accounts/default/token   (provider-adc only)

namespace CsiDriver.Providers.Gcp;

/// <summary>Reads the node's GCE metadata: the GKE cluster identity and, for provider-adc, the node's token.</summary>
internal sealed class MetadataServerClient(GoogleApiCaller caller, GcpProviderOptions options, TimeProvider time)
{
    public async Task<string> GetValueAsync(string path, CancellationToken cancellationToken)
    {
        var body = await caller.SendForBytesAsync("metadata_value", () => Request(path), GoogleApiCaller.TokenResponseLimit, [], cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(body).Trim();
    }

    public async Task<AccessToken> GetDefaultTokenAsync(CancellationToken cancellationToken)
    {
        var response = await caller.SendAsync("metadata_token", () => Request("instance/service-accounts/default/token"), GcpJsonContext.Default.OAuthTokenResponse, GoogleApiCaller.TokenResponseLimit, [], cancellationToken).ConfigureAwait(false);
        return response.ToAccessToken(time, "the metadata server");
    }

    private HttpRequestMessage Request(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{options.MetadataEndpoint.AbsoluteUri.TrimEnd('/')}/computeMetadata/v1/{path}"));
        request.Headers.Add("Metadata-Flavor", "Google");
        return request;
    }
}
