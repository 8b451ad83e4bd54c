using CsiDriver.Publishing;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// The regions a fetch uses: <c>region</c>, else the driver's <c>AWS_REGION</c>, else the node's
/// region from IMDSv2; then the optional <c>failoverRegion</c>.
/// </summary>
internal sealed partial class AwsRegionResolver(AwsProviderOptions options, ImdsRegionClient imds, ILogger logger)
{
    public static bool IsRegionName(string value) => RegionPattern().IsMatch(value);

    public async Task<IReadOnlyList<string>> ResolveAsync(string? region, string? failoverRegion, Func<string, SecretStoreException> invalid, CancellationToken cancellationToken)
    {
        var primary = string.IsNullOrWhiteSpace(region) ? options.Region : region.Trim();
        if (primary is null)
        {
            try
            {
                primary = await imds.GetRegionAsync(cancellationToken).ConfigureAwait(false);
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

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
