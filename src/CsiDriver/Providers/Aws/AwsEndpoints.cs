namespace CsiDriver.Providers.Aws;

/// <summary>
/// Regional endpoints, honouring the standard overrides: a service-specific
/// <c>AWS_ENDPOINT_URL_*</c> wins over <c>AWS_ENDPOINT_URL</c>, which wins over the public host.
/// </summary>
internal sealed class AwsEndpoints(AwsProviderOptions options)
{
    public AwsEndpoint SecretsManager(string region) =>
        new(options.SecretsManagerEndpointUrl ?? options.EndpointUrl ?? PublicHost("secretsmanager", region), region, "secretsmanager", "Secrets Manager");

    public AwsEndpoint Ssm(string region) =>
        new(options.SsmEndpointUrl ?? options.EndpointUrl ?? PublicHost("ssm", region), region, "ssm", "SSM");

    public AwsEndpoint Sts(string region) =>
        new(options.StsEndpointUrl ?? options.EndpointUrl ?? PublicHost("sts", region), region, "sts", "STS");

    private static Uri PublicHost(string service, string region) =>
        new($"https://{service}.{region}.{(region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com")}/");
}
