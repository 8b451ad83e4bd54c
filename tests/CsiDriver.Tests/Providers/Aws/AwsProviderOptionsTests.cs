using CsiDriver.Providers.Aws;

namespace CsiDriver.Tests.Providers.Aws;

public sealed class AwsProviderOptionsTests
{
    [Fact]
    public void FromEnvironment_ServiceSpecificEndpointWinsOverGlobal()
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_REGION"] = "eu-west-1",
            ["AWS_ENDPOINT_URL"] = "http://global:4566",
            ["AWS_ENDPOINT_URL_SSM"] = "http://ssm-only:1234",
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://imds:80",
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://agent/v1/credentials",
        };

        var options = AwsProviderOptions.FromEnvironment(k => env.GetValueOrDefault(k));
        var endpoints = new AwsEndpoints(options);

        options.Region.Should().Be("eu-west-1");
        endpoints.Ssm("eu-west-1").Url.Should().Be(new Uri("http://ssm-only:1234"));
        endpoints.SecretsManager("eu-west-1").Url.Should().Be(new Uri("http://global:4566"));
        endpoints.Sts("eu-west-1").Url.Should().Be(new Uri("http://global:4566"));
        options.ImdsEndpoint.Should().Be(new Uri("http://imds:80"));
        options.PodIdentityEndpoint.Should().Be(new Uri("http://agent/v1/credentials"));
    }

    [Fact]
    public void FromEnvironment_IgnoreConfiguredEndpoints_UsesPublicHosts()
    {
        var env = new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = "http://global:4566", ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true" };

        var endpoints = new AwsEndpoints(AwsProviderOptions.FromEnvironment(k => env.GetValueOrDefault(k)));

        endpoints.SecretsManager("us-east-1").Url.Should().Be(new Uri("https://secretsmanager.us-east-1.amazonaws.com/"));
        endpoints.Ssm("cn-north-1").Url.Should().Be(new Uri("https://ssm.cn-north-1.amazonaws.com.cn/"));
        endpoints.Sts("us-west-2").Url.Should().Be(new Uri("https://sts.us-west-2.amazonaws.com/"));
    }
}
