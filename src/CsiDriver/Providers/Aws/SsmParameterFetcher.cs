using System.Globalization;
using System.Net;
using System.Text;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Reads the SSM parameters of one volume in one region: GetParameters in batches of 10 with
/// decryption, versions and labels as <c>name:selector</c>, as the upstream plugin does.
/// </summary>
internal sealed class SsmParameterFetcher
{
    private readonly SsmClient _client;
    private readonly AwsEndpoints _endpoints;
    private readonly AwsProviderOptions _options;

    public SsmParameterFetcher(SsmClient client, AwsEndpoints endpoints, AwsProviderOptions options)
    {
        _client = client;
        _endpoints = endpoints;
        _options = options;
    }

    public async Task<List<FetchedValue>> FetchAsync(IReadOnlyList<AwsObject> objects, string region, bool failover, AwsIdentity identity, CancellationToken cancellationToken)
    {
        var endpoint = _endpoints.Ssm(region);
        var names = objects.Select(o => Selector(o, failover)).Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, SsmParameter>(StringComparer.Ordinal);
        foreach (var chunk in names.Chunk(SsmClient.BatchLimit))
        {
            GetParametersResponse response;
            try
            {
                response = await _client.GetParametersAsync(endpoint, identity.Credentials, chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException ex)
            {
                throw new AwsFetchException(region, "Failed fetching parameters", ex);
            }

            if (response.InvalidParameters is { Count: > 0 } invalid)
            {
                var cause = new AwsServiceException("SSM: GetParameters", HttpStatusCode.BadRequest, "InvalidParameters", $"invalid parameters: {string.Join(", ", invalid.Select(n => AwsHttp.Clean(n, 2048)))}", null);
                throw new AwsFetchException(region, "Failed fetching parameters", cause);
            }

            foreach (var name in chunk)
            {
                var parameter = (response.Parameters ?? []).FirstOrDefault(p => Matches(p, name));
                if (parameter is null)
                {
                    var cause = new AwsServiceException("SSM: GetParameters", HttpStatusCode.OK, "InvalidResponse", $"the response does not contain parameter {name}", null);
                    throw new AwsFetchException(region, "Failed fetching parameters", cause);
                }

                if (parameter.Value is { } text && Encoding.UTF8.GetByteCount(text) > _options.MaxObjectBytes)
                {
                    throw new ObjectTooLargeException(name, Encoding.UTF8.GetByteCount(text));
                }

                found[name] = parameter;
            }
        }

        return objects.Select(o =>
        {
            var parameter = found[Selector(o, failover)];
            return new FetchedValue(o, Encoding.UTF8.GetBytes(parameter.Value ?? string.Empty), parameter.Version.ToString(CultureInfo.InvariantCulture));
        }).ToList();
    }

    private static string Selector(AwsObject item, bool failover) =>
        item.VersionIn(failover) is { } version ? $"{item.NameIn(failover)}:{version}"
        : item.LabelIn(failover) is { } label ? $"{item.NameIn(failover)}:{label}"
        : item.NameIn(failover);

    private static bool Matches(SsmParameter parameter, string requested)
    {
        var selector = parameter.Selector ?? string.Empty;
        return parameter.Name + selector == requested || parameter.ARN + selector == requested ||
               (selector.Length == 0 && (parameter.Name == requested || parameter.ARN == requested));
    }
}
