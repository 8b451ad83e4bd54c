using CsiDriver.Http;

namespace CsiDriver.Providers.Gcp;

/// <summary>Options of the <c>gcp</c> provider: endpoints, workload identity settings and limits.</summary>
public sealed class GcpProviderOptions
{
    /// <summary>Global Secret Manager base URL.</summary>
    public Uri SecretManagerEndpoint { get; set; } = new("https://secretmanager.googleapis.com");

    /// <summary>Regional Secret Manager base URL; <c>{location}</c> is replaced by the resource's location.</summary>
    public string RegionalSecretManagerEndpoint { get; set; } = "https://secretmanager.{location}.rep.googleapis.com";

    /// <summary>Global Parameter Manager base URL.</summary>
    public Uri ParameterManagerEndpoint { get; set; } = new("https://parametermanager.googleapis.com");

    /// <summary>Regional Parameter Manager base URL; <c>{location}</c> is replaced by the resource's location.</summary>
    public string RegionalParameterManagerEndpoint { get; set; } = "https://parametermanager.{location}.rep.googleapis.com";

    /// <summary>RFC 8693 token exchange URL (upstream env <c>GAIA_TOKEN_EXCHANGE_ENDPOINT</c>).</summary>
    public Uri TokenExchangeEndpoint { get; set; } = new("https://securetoken.googleapis.com/v1/identitybindingtoken");

    /// <summary>IAM Service Account Credentials base URL.</summary>
    public Uri IamCredentialsEndpoint { get; set; } = new("https://iamcredentials.googleapis.com");

    /// <summary>GCE metadata server base URL (env <c>GCE_METADATA_HOST</c> sets the host).</summary>
    public Uri MetadataEndpoint { get; set; } = new("http://metadata.google.internal");

    /// <summary>
    /// OAuth token URI for service-account keys; null uses the key's <c>token_uri</c> when it is https,
    /// else <c>https://oauth2.googleapis.com/token</c>.
    /// </summary>
    public Uri? ServiceAccountTokenUri { get; set; }

    /// <summary>GKE project id (env <c>PROJECT</c>); with location and name it skips the metadata server.</summary>
    public string? Project { get; set; }

    /// <summary>GKE cluster location (env <c>CLUSTER_LOCATION</c>).</summary>
    public string? ClusterLocation { get; set; }

    /// <summary>GKE cluster name (env <c>CLUSTER_NAME</c>).</summary>
    public string? ClusterName { get; set; }

    /// <summary>
    /// Audience of an <c>external_account</c> credential (fleet / workload identity federation), either
    /// <c>identitynamespace:POOL:PROVIDER</c> or a full <c>//iam.googleapis.com/...</c> provider name.
    /// </summary>
    public string? ExternalAccountAudience { get; set; }

    /// <summary>Why GOOGLE_APPLICATION_CREDENTIALS could not be read, reported when a mount needs it.</summary>
    public string? ExternalAccountError { get; set; }

    /// <summary>Honour <c>key.json</c> from nodePublishSecretRef (upstream env <c>ALLOW_NODE_PUBLISH_SECRET</c>).</summary>
    public bool AllowNodePublishSecret { get; set; }

    /// <summary>
    /// Honour <c>auth: provider-adc</c>, which reads secrets as the driver's own identity (no pod isolation).
    /// Off by default because the driver otherwise only ever authenticates as the pod.
    /// </summary>
    public bool AllowProviderAdc { get; set; }

    /// <summary>Most concurrent Secret Manager calls per volume.</summary>
    public int MaxParallelFetches { get; set; } = 8;

    /// <summary>
    /// Retries of 429, 5xx and connection errors: as Google's clients, the longer of the backoff and a
    /// <c>Retry-After</c>, never past the longest delay.
    /// </summary>
    public RetrySettings Retry { get; set; } = new()
    {
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(250),
        MaxDelay = TimeSpan.FromSeconds(5),
        MaxRetryAfter = TimeSpan.FromSeconds(5),
        RetryAfterIsMinimum = true,
    };

    /// <summary>Deadline of one HTTP call.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Access tokens are reused until this long before they expire.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest decoded secret payload.</summary>
    public long MaxObjectBytes { get; set; } = 4 * 1024 * 1024;
}
