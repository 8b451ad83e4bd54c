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
        var aws = new AwsHttp(http, new RetryPolicy(options.Retry, time, random.NextDouble), logger, metrics);
        var json = new AwsJsonClient(aws, options, time);
        return new AwsClients(
            new AwsEndpoints(options),
            new SecretsManagerClient(json),
            new SsmClient(json),
            new StsClient(aws, options),
            new PodIdentityAgentClient(aws, options, logger),
            new AwsRegionResolver(options, new AwsHttp(http, RetryPolicy.Once, logger, metrics), logger));
    }
}
