using CsiDriver.Http;
using CsiDriver.Observability;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// The AWS API clients the aws provider and the aws store both stand on: one HTTP client, one retry policy, the
/// endpoint overrides and the backend-call metric, so a fix to how the driver talks to AWS reaches both modes.
/// </summary>
internal sealed record AwsClients(
    AwsEndpoints Endpoints, SecretsManagerClient SecretsManager, SsmClient Ssm, StsClient Sts, PodIdentityAgentClient PodIdentity, AwsRegionResolver Regions)
{
    public static AwsClients Create(AwsProviderOptions options, HttpClient http, TimeProvider time, Random random, ILogger logger, DriverMetrics metrics)
    {
        var retry = new RetryPolicy(options.Retry, time, random.NextDouble);
        var json = new AwsJsonClient(http, options, retry, time, logger, metrics);
        return new AwsClients(
            new AwsEndpoints(options),
            new SecretsManagerClient(json),
            new SsmClient(json),
            new StsClient(http, options, retry, logger, metrics),
            new PodIdentityAgentClient(http, options, retry, logger, metrics),
            new AwsRegionResolver(options, http, metrics, logger));
    }
}
