using System.Net;
using System.Text;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// EC2 instance metadata, IMDSv2 only. Covers: <c>PUT /latest/api/token</c> and
/// <c>GET /latest/meta-data/placement/region</c> (backend calls <c>imds_token</c>, <c>imds_region</c>).
/// The node's region never changes, so it is read once.
/// </summary>
internal sealed class ImdsRegionClient(HttpClient http, AwsProviderOptions options, Observability.DriverMetrics metrics)
{
    private readonly HttpClient _http = http;
    private readonly AwsProviderOptions _options = options;
    private readonly Observability.DriverMetrics _metrics = metrics;
    private readonly Http.AsyncOnce<string> _region = new();

    public Task<string> GetRegionAsync(CancellationToken cancellationToken) => _region.GetAsync(FetchAsync, cancellationToken);

    private async Task<string> FetchAsync(CancellationToken cancellationToken)
    {
        if (_options.ImdsDisabled)
        {
            throw new AwsServiceException("IMDS", null, "Disabled", "instance metadata is disabled (AWS_EC2_METADATA_DISABLED)", null);
        }

        var root = _options.ImdsEndpoint.AbsoluteUri.TrimEnd('/');
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Put, root + "/latest/api/token");
        tokenRequest.Headers.TryAddWithoutValidation("X-aws-ec2-metadata-token-ttl-seconds", "21600");
        _metrics.BackendCall("aws", "imds_token");
        var (tokenStatus, tokenBody, tokenResponse) = await AwsHttp.SendAsync(_http, tokenRequest, "IMDS: token", _options.LinkLocalTimeout, 4096, cancellationToken).ConfigureAwait(false);
        tokenResponse.Dispose();
        if (tokenStatus != HttpStatusCode.OK)
        {
            throw new AwsServiceException("IMDS: token", tokenStatus, $"Http{(int)tokenStatus}", "IMDSv2 session token refused", null);
        }

        using var regionRequest = new HttpRequestMessage(HttpMethod.Get, root + "/latest/meta-data/placement/region");
        regionRequest.Headers.TryAddWithoutValidation("X-aws-ec2-metadata-token", Encoding.UTF8.GetString(tokenBody).Trim());
        _metrics.BackendCall("aws", "imds_region");
        var (status, body, response) = await AwsHttp.SendAsync(_http, regionRequest, "IMDS: region", _options.LinkLocalTimeout, 4096, cancellationToken).ConfigureAwait(false);
        response.Dispose();
        var region = Encoding.UTF8.GetString(body).Trim();
        if (status != HttpStatusCode.OK || !AwsRegionResolver.IsRegionName(region))
        {
            throw new AwsServiceException("IMDS: region", status, $"Http{(int)status}", "no usable placement/region", null);
        }

        return region;
    }
}
