using CsiDriver.Publishing;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// The regions a fetch uses: <c>region</c>, else the driver's <c>AWS_REGION</c>, else the node's region from EC2
/// instance metadata, IMDSv2 only (<c>PUT /latest/api/token</c>, then <c>GET /latest/meta-data/placement/region</c>;
/// backend calls <c>imds_token</c>, <c>imds_region</c>; read once, as the node's region never changes); then the
/// optional <c>failoverRegion</c>.
/// </summary>
/// <param name="http">Sends once, never retried: the resolver falls back.</param>
internal sealed partial class AwsRegionResolver(AwsProviderOptions options, AwsHttp http, ILogger logger)
{
    private readonly Http.AsyncOnce<string> _nodeRegion = new();

    public static bool IsRegionName(string value) => RegionPattern().IsMatch(value);

    public async Task<IReadOnlyList<string>> ResolveAsync(string? region, string? failoverRegion, Func<string, SecretStoreException> invalid, CancellationToken cancellationToken)
    {
        var primary = string.IsNullOrWhiteSpace(region) ? options.Region : region.Trim();
        if (primary is null)
        {
            try
            {
                primary = await _nodeRegion.GetAsync(NodeRegionAsync, cancellationToken).ConfigureAwait(false);
                AwsLog.RegionFromImds(logger, primary);
            }
            catch (AwsServiceException ex)
            {
                throw invalid($"failed to retrieve region from node: set the 'region' parameter (or AWS_REGION on the driver), or run where instance metadata (IMDSv2) answers: {ex.ServiceMessage}");
            }
        }

        if (!IsRegionName(primary))
        {
            throw invalid($"region '{primary}' is not an AWS region name");
        }

        if (string.IsNullOrWhiteSpace(failoverRegion))
        {
            return [primary];
        }

        var failover = failoverRegion.Trim();
        if (!IsRegionName(failover))
        {
            throw invalid($"failoverRegion '{failover}' is not an AWS region name");
        }

        return failover == primary
            ? throw invalid("failover region cannot be the same as the primary region")
            : [primary, failover];
    }

    private async Task<string> NodeRegionAsync(CancellationToken cancellationToken)
    {
        if (options.ImdsDisabled)
        {
            throw new AwsServiceException("IMDS", null, "Disabled", "instance metadata is disabled (AWS_EC2_METADATA_DISABLED)", null);
        }

        var root = options.ImdsEndpoint.AbsoluteUri.TrimEnd('/');
        var token = await SendAsync("IMDS: token", "imds_token", HttpMethod.Put, root + "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds", "21600", "IMDSv2 session token refused", cancellationToken).ConfigureAwait(false);
        var region = await SendAsync("IMDS: region", "imds_region", HttpMethod.Get, root + "/latest/meta-data/placement/region", "X-aws-ec2-metadata-token", token, "no usable placement/region", cancellationToken).ConfigureAwait(false);
        return IsRegionName(region)
            ? region
            : throw new AwsServiceException("IMDS: region", HttpStatusCode.OK, "Http200", "no usable placement/region", null);
    }

    /// <summary>One IMDS request, not retried (the region resolver falls back); the 200 body as trimmed text.</summary>
    private async Task<string> SendAsync(string operation, string call, HttpMethod method, string uri, string header, string value, string refused, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(
            operation,
            options.ImdsEndpoint.Host,
            call,
            () =>
            {
                var request = new HttpRequestMessage(method, uri);
                request.Headers.TryAddWithoutValidation(header, value);
                return request;
            },
            options.LinkLocalTimeout,
            4096,
            response => new AwsServiceException(operation, response.Status, $"Http{(int)response.Status}", refused, null),
            cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(response.Body).Trim();
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
