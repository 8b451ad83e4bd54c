namespace CsiDriver.Providers.Aws;

/// <summary>
/// EC2 instance metadata, IMDSv2 only. Covers: <c>PUT /latest/api/token</c> and
/// <c>GET /latest/meta-data/placement/region</c> (backend calls <c>imds_token</c>, <c>imds_region</c>).
/// The node's region never changes, so it is read once.
/// </summary>
internal sealed class ImdsRegionClient(HttpClient http, AwsProviderOptions options, Observability.DriverMetrics metrics)
{
    private readonly Http.AsyncOnce<string> _region = new();

    public Task<string> GetRegionAsync(CancellationToken cancellationToken) => _region.GetAsync(FetchAsync, cancellationToken);

    private async Task<string> FetchAsync(CancellationToken cancellationToken)
    {
        if (options.ImdsDisabled)
        {
            throw new AwsServiceException("IMDS", null, "Disabled", "instance metadata is disabled (AWS_EC2_METADATA_DISABLED)", null);
        }

        var root = options.ImdsEndpoint.AbsoluteUri.TrimEnd('/');
        var token = await SendAsync("IMDS: token", "imds_token", HttpMethod.Put, root + "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds", "21600", "IMDSv2 session token refused", cancellationToken).ConfigureAwait(false);
        var region = await SendAsync("IMDS: region", "imds_region", HttpMethod.Get, root + "/latest/meta-data/placement/region", "X-aws-ec2-metadata-token", token, "no usable placement/region", cancellationToken).ConfigureAwait(false);
        return AwsRegionResolver.IsRegionName(region)
            ? region
            : throw new AwsServiceException("IMDS: region", HttpStatusCode.OK, "Http200", "no usable placement/region", null);
    }

    /// <summary>One IMDS request, not retried (the region resolver falls back); the 200 body as trimmed text.</summary>
    private async Task<string> SendAsync(string operation, string call, HttpMethod method, string uri, string header, string value, string refused, CancellationToken cancellationToken)
    {
        var response = await AwsHttp.SendAsync(
            http,
            () =>
            {
                metrics.BackendCall("aws", call);
                var request = new HttpRequestMessage(method, uri);
                request.Headers.TryAddWithoutValidation(header, value);
                return request;
            },
            options.LinkLocalTimeout,
            4096,
            new AwsFailures(operation, response => new AwsServiceException(operation, response.Status, $"Http{(int)response.Status}", refused, null), retrying: null),
            Http.RetryPolicy.Once,
            cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(response.Body).Trim();
    }
}
