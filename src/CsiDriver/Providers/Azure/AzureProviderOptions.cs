using CsiDriver.Http;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// Operator settings for the Azure Key Vault provider. Everything that changes where requests go
/// lives here (not in process environment reads scattered through the code) so tests can point a
/// provider at loopback servers without touching the environment other tests share.
/// </summary>
public sealed record AzureProviderOptions
{
    /// <summary>
    /// When set (env <c>AZURE_KEYVAULT_ENDPOINT_OVERRIDE</c>: private endpoints, tests), requests for any vault go to
    /// this base address instead of <c>https://&lt;keyvaultName&gt;.&lt;suffix&gt;/</c>. The vault's own URI still names
    /// objects and is what the bearer-challenge resource is checked against.
    /// </summary>
    public Uri? KeyVaultEndpointOverride { get; init; }

    /// <summary>Replaces the cloud's authority host (e.g. <c>https://login.microsoftonline.com/</c>; env <c>AZURE_AUTHORITY_HOST</c>, as the Azure SDKs).</summary>
    public Uri? AuthorityHostOverride { get; init; }

    /// <summary>IMDS base address for <c>useVMManagedIdentity</c> (env <c>AZURE_POD_IDENTITY_AUTHORITY_HOST</c>, as the Azure SDKs).</summary>
    public Uri ImdsEndpoint { get; init; } = new("http://169.254.169.254/");

    /// <summary>aad-pod-identity's NMI token endpoint for the deprecated <c>usePodIdentity</c> (env <c>AZURE_NMI_ENDPOINT</c>).</summary>
    public Uri NmiEndpoint { get; init; } = new("http://localhost:2579/host/token/");

    /// <summary>Directory <c>cloudEnvFileName</c> must be under (Azure Stack; env <c>AZURE_CLOUD_ENV_DIR</c>); null refuses the parameter.</summary>
    public string? CloudEnvFileDirectory { get; init; } = "/etc/kubernetes";

    /// <summary>Key Vault data-plane API version sent on every vault request.</summary>
    public string ApiVersion { get; init; } = "7.4";

    /// <summary>Upstream's <c>-construct-pem-chain</c>: order PKCS#12 chains leaf to root.</summary>
    public bool ConstructPemChain { get; init; } = true;

    /// <summary>Upstream's <c>-write-cert-and-key-in-separate-files</c>: also emit <c>.crt</c> and <c>.key</c>.</summary>
    public bool WriteCertAndKeyInSeparateFiles { get; init; }

    /// <summary>Largest object the provider accepts (the driver's --max-object-bytes).</summary>
    public long MaxObjectBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Deadline for each HTTP request (the caller's deadline also applies).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retries of a request Key Vault throttled (429): its Retry-After (seconds or a date), else a doubling delay;
    /// a Retry-After past the longest delay fails at once rather than retrying before Key Vault allows it.
    /// </summary>
    public RetrySettings Retry { get; init; } = new()
    {
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(10),
        Jitter = Jitter.None,
        MaxRetryAfter = TimeSpan.FromSeconds(10),
        GiveUpBeyondMaxRetryAfter = true,
    };

    /// <summary>
    /// The handler every request goes through; null = a pooled <see cref="SocketsHttpHandler"/> that
    /// verifies TLS with the system store (OpenSSL honours SSL_CERT_FILE / SSL_CERT_DIR).
    /// </summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Reads the overrides from the environment (at startup, once).</summary>
    public static AzureProviderOptions FromEnvironment(long maxObjectBytes)
    {
        var defaults = new AzureProviderOptions();
        return defaults with
        {
            MaxObjectBytes = maxObjectBytes,
            KeyVaultEndpointOverride = UriFrom("AZURE_KEYVAULT_ENDPOINT_OVERRIDE"),
            AuthorityHostOverride = UriFrom("AZURE_AUTHORITY_HOST"),
            ImdsEndpoint = UriFrom("AZURE_POD_IDENTITY_AUTHORITY_HOST") ?? defaults.ImdsEndpoint,
            NmiEndpoint = UriFrom("AZURE_NMI_ENDPOINT") ?? defaults.NmiEndpoint,
            CloudEnvFileDirectory = Environment.GetEnvironmentVariable("AZURE_CLOUD_ENV_DIR") is { Length: > 0 } dir ? dir : defaults.CloudEnvFileDirectory,
        };
    }

    private static Uri? UriFrom(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? null
            : Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri
            : throw new InvalidOperationException($"{variable} must be an absolute http(s) URL");
    }
}
