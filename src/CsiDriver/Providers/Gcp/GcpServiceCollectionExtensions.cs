using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>Registers the <c>gcp</c> provider.</summary>
internal static class GcpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the provider with a registered <see cref="GcpProviderOptions"/> (tests, embedders), else options
    /// from the driver's environment (<see cref="FromEnvironment"/>). Needs an <see cref="IServiceAccountLookup"/>.
    /// </summary>
    public static IServiceCollection AddGcpProvider(this IServiceCollection services, long maxObjectBytes)
    {
        services.TryAddSingleton(_ => FromEnvironment(Environment.GetEnvironmentVariable, maxObjectBytes));
        services.AddProviderSharedParts().AddGoogleClients();
        services.TryAddSingleton<GcpCredentialResolver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProvider, GcpProvider>());
        return services;
    }

    /// <summary>
    /// The Google clients (Secret Manager, the metadata server, STS, IAM credentials, key grants) over one pooled client,
    /// and the access token cache they share; the gcp provider and the gcpsm store are built on them. Needs the
    /// <see cref="GcpProviderOptions"/>, a <see cref="Random"/>, the <see cref="TimeProvider"/> and the metrics.
    /// </summary>
    public static IServiceCollection AddGoogleClients(this IServiceCollection services)
    {
        services.TryAddSingleton<GoogleApiCaller>();
        services.TryAddSingleton<MetadataServerClient>();
        services.TryAddSingleton<WorkloadIdentityResolver>();
        services.TryAddSingleton<FederatedTokenClient>();
        services.TryAddSingleton<ServiceAccountKeyTokenSource>();
        services.TryAddSingleton<AccessTokenCache>();
        services.TryAddSingleton<SecretManagerClient>();
        return services;
    }

    /// <summary>
    /// Options from the variables the upstream provider reads (<c>PROJECT</c>, <c>CLUSTER_LOCATION</c>,
    /// <c>CLUSTER_NAME</c>, <c>ALLOW_NODE_PUBLISH_SECRET</c>, <c>GAIA_TOKEN_EXCHANGE_ENDPOINT</c>,
    /// <c>GOOGLE_APPLICATION_CREDENTIALS</c>, <c>GCE_METADATA_HOST</c>) plus <c>GCP_ALLOW_PROVIDER_ADC</c> and
    /// <c>GCP_*_ENDPOINT</c> overrides for private endpoints.
    /// </summary>
    public static GcpProviderOptions FromEnvironment(Func<string, string?> env, long maxObjectBytes)
    {
        var defaults = new GcpProviderOptions();
        var options = new GcpProviderOptions
        {
            Project = env("PROJECT"),
            ClusterLocation = env("CLUSTER_LOCATION"),
            ClusterName = env("CLUSTER_NAME"),
            AllowNodePublishSecret = IsTrue(env("ALLOW_NODE_PUBLISH_SECRET")),
            AllowProviderAdc = IsTrue(env("GCP_ALLOW_PROVIDER_ADC")),
            MaxObjectBytes = maxObjectBytes,
            TokenExchangeEndpoint = UriOr(env("GAIA_TOKEN_EXCHANGE_ENDPOINT"), defaults.TokenExchangeEndpoint),
            MetadataEndpoint = UriOr(env("GCE_METADATA_HOST") is { Length: > 0 } host ? "http://" + host : null, defaults.MetadataEndpoint),
            SecretManagerEndpoint = UriOr(env("GCP_SECRETMANAGER_ENDPOINT"), defaults.SecretManagerEndpoint),
            ParameterManagerEndpoint = UriOr(env("GCP_PARAMETERMANAGER_ENDPOINT"), defaults.ParameterManagerEndpoint),
            IamCredentialsEndpoint = UriOr(env("GCP_IAMCREDENTIALS_ENDPOINT"), defaults.IamCredentialsEndpoint),
            ServiceAccountTokenUri = UriOr(env("GCP_OAUTH_TOKEN_URI"), null),
            RegionalSecretManagerEndpoint = env("GCP_REGIONAL_SECRETMANAGER_ENDPOINT") is { Length: > 0 } regional ? regional : defaults.RegionalSecretManagerEndpoint,
            RegionalParameterManagerEndpoint = env("GCP_REGIONAL_PARAMETERMANAGER_ENDPOINT") is { Length: > 0 } regionalPm ? regionalPm : defaults.RegionalParameterManagerEndpoint,
        };

        // A broken credential file fails the GCP mounts that need it, not the whole driver's start.
        try
        {
            options.ExternalAccountAudience = ReadExternalAudience(env("GOOGLE_APPLICATION_CREDENTIALS"));
        }
        catch (SecretStoreException ex)
        {
            options.ExternalAccountError = ex.Message;
        }

        return options;
    }

    /// <summary>The audience of an <c>external_account</c> credential file; anything else is ignored, as upstream's GKE path wins.</summary>
    private static string? ReadExternalAudience(string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            return null;
        }

        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllText(path), GcpJsonContext.Default.ExternalAccountFile);
            return file?.Type == "external_account" && !string.IsNullOrWhiteSpace(file.Audience) ? file.Audience : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"GOOGLE_APPLICATION_CREDENTIALS file {path} cannot be read as a credential JSON file");
        }
    }

    private static bool IsTrue(string? value) => bool.TryParse(value, out var b) ? b : value is "1" or "t" or "T";

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(fallback))]
    private static Uri? UriOr(string? value, Uri? fallback) => string.IsNullOrWhiteSpace(value) ? fallback : new Uri(value, UriKind.Absolute);
}
