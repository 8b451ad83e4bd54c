namespace CsiDriver.Providers.Aws;

/// <summary>
/// Regional endpoints, honouring the standard overrides: a service-specific
/// <c>AWS_ENDPOINT_URL_*</c> wins over <c>AWS_ENDPOINT_URL</c>, which wins over the public host.
/// </summary>
internal sealed class AwsEndpoints(AwsProviderOptions options)
{
    private readonly AwsProviderOptions _options = options;

    public AwsEndpoint SecretsManager(string region) =>
        new(_options.SecretsManagerEndpointUrl ?? _options.EndpointUrl ?? PublicHost("secretsmanager", region), region, "secretsmanager", "Secrets Manager");

    public AwsEndpoint Ssm(string region) =>
        new(_options.SsmEndpointUrl ?? _options.EndpointUrl ?? PublicHost("ssm", region), region, "ssm", "SSM");

    public AwsEndpoint Sts(string region) =>
        new(_options.StsEndpointUrl ?? _options.EndpointUrl ?? PublicHost("sts", region), region, "sts", "STS");

    private static Uri PublicHost(string service, string region) =>
        new($"https://{service}.{region}.{(region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com")}/");
}
