using CsiDriver.Http;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Settings of the <c>aws</c> provider, read once from the driver's environment so tests can
/// inject their own (they never touch the process environment).
/// </summary>
public sealed class AwsProviderOptions
{
    /// <summary>Region used when a SecretProviderClass sets none (<c>AWS_REGION</c>).</summary>
    public string? Region { get; set; }

    /// <summary>Endpoint for every AWS service (<c>AWS_ENDPOINT_URL</c>).</summary>
    public Uri? EndpointUrl { get; set; }

    /// <summary><c>AWS_ENDPOINT_URL_SECRETS_MANAGER</c>; wins over <see cref="EndpointUrl"/>.</summary>
    public Uri? SecretsManagerEndpointUrl { get; set; }

    /// <summary><c>AWS_ENDPOINT_URL_SSM</c>; wins over <see cref="EndpointUrl"/>.</summary>
    public Uri? SsmEndpointUrl { get; set; }

    /// <summary><c>AWS_ENDPOINT_URL_STS</c>; wins over <see cref="EndpointUrl"/>.</summary>
    public Uri? StsEndpointUrl { get; set; }

    /// <summary>Instance metadata service base URL (<c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>).</summary>
    public Uri ImdsEndpoint { get; set; } = new("http://169.254.169.254/");

    /// <summary><c>AWS_EC2_METADATA_DISABLED=true</c> turns the IMDS region lookup off.</summary>
    public bool ImdsDisabled { get; set; }

    /// <summary>EKS Pod Identity agent URL override (<c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c>).</summary>
    public Uri? PodIdentityEndpoint { get; set; }

    /// <summary>Credentials are refreshed this long before they expire.</summary>
    public TimeSpan CredentialRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Retries of throttling, 5xx and network errors: capped exponential backoff with full jitter, as the AWS SDKs
    /// do (<c>Retry-After</c> is not an AWS convention).
    /// </summary>
    public RetrySettings Retry { get; set; } = new() { MaxAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(5), Jitter = Jitter.Full };

    /// <summary>Timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Timeout of one IMDS / Pod Identity agent call (link-local, answers fast or not at all).</summary>
    public TimeSpan LinkLocalTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest response body read from any AWS endpoint.</summary>
    public long MaxResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest single object (secret value or parameter) accepted.</summary>
    public long MaxObjectBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Reads the standard AWS environment variables through <paramref name="env"/>.</summary>
    public static AwsProviderOptions FromEnvironment(Func<string, string?> env)
    {
        var options = new AwsProviderOptions { Region = NonEmpty(env("AWS_REGION")) ?? NonEmpty(env("AWS_DEFAULT_REGION")) };
        var ignoreEndpoints = string.Equals(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ignoreEndpoints)
        {
            options.EndpointUrl = ParseUri(env("AWS_ENDPOINT_URL"));
            options.SecretsManagerEndpointUrl = ParseUri(env("AWS_ENDPOINT_URL_SECRETS_MANAGER"));
            options.SsmEndpointUrl = ParseUri(env("AWS_ENDPOINT_URL_SSM"));
            options.StsEndpointUrl = ParseUri(env("AWS_ENDPOINT_URL_STS"));
        }

        options.ImdsEndpoint = ParseUri(env("AWS_EC2_METADATA_SERVICE_ENDPOINT")) ?? options.ImdsEndpoint;
        options.ImdsDisabled = string.Equals(env("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase);
        options.PodIdentityEndpoint = ParseUri(env("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
        return options;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Uri? ParseUri(string? value) =>
        NonEmpty(value) is { } text && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;
}
