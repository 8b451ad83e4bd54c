using CsiDriver.Http;
using CsiDriver.Providers.Aws;
using CsiDriver.Providers.Azure;
using CsiDriver.Providers.Kubernetes;
using CsiDriver.Providers.Local;
using CsiDriver.Providers.Vault;

namespace CsiDriver.Providers;

/// <summary>
/// Registers the built-in providers, each the same way: its options (a registered instance wins, else the
/// driver's environment), the shared parts every provider uses (one <see cref="VersionedValueCache"/>), and
/// the provider itself as one <see cref="IProvider"/>. Registering a provider twice adds it once.
/// </summary>
internal static class ProviderServices
{
    /// <summary>What the providers share: the last-value cache (FetchKey names the provider, so entries never mix).</summary>
    public static IServiceCollection AddProviderSharedParts(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => new VersionedValueCache(VersionedValueCache.DefaultMaxBytes));
        return services;
    }

    public static IServiceCollection AddVaultProvider(this IServiceCollection services)
    {
        services.AddProviderSharedParts();
        services.TryAddSingleton(_ => VaultProviderOptions.FromEnvironment());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProvider, VaultProvider>());
        return services;
    }

    public static IServiceCollection AddAzureProvider(this IServiceCollection services, long maxObjectBytes)
    {
        services.AddProviderSharedParts();
        services.TryAddSingleton(_ => AzureProviderOptions.FromEnvironment(maxObjectBytes));
        services.AddKeyVaultClient();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProvider, AzureProvider>());
        return services;
    }

    /// <summary>
    /// The <see cref="KeyVaultClient"/> (and the Entra ID / IMDS / NMI token source under it) the azure provider and the
    /// azurekv store share, over one pooled HTTP client. Needs the <see cref="AzureProviderOptions"/>, the
    /// <see cref="TimeProvider"/> and the metrics.
    /// </summary>
    public static IServiceCollection AddKeyVaultClient(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new AzureHttp(sp.GetRequiredService<AzureProviderOptions>()));
        services.TryAddSingleton(sp =>
        {
            var (http, options, time) = (sp.GetRequiredService<AzureHttp>(), sp.GetRequiredService<AzureProviderOptions>(), sp.GetRequiredService<TimeProvider>());
            var (logger, metrics) = (sp.GetRequiredService<ILogger<KeyVaultClient>>(), sp.GetRequiredService<Observability.DriverMetrics>());
            return new KeyVaultClient(http, new AzureTokenSource(http, options, time, logger, metrics), options, time, logger, metrics);
        });
        return services;
    }

    public static IServiceCollection AddAwsProvider(this IServiceCollection services, long maxObjectBytes)
    {
        services.AddProviderSharedParts();
        services.TryAddSingleton(_ =>
        {
            var options = AwsProviderOptions.FromEnvironment(Environment.GetEnvironmentVariable);
            options.MaxObjectBytes = Math.Min(options.MaxObjectBytes, maxObjectBytes);
            return options;
        });
        services.AddAwsClients();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProvider, AwsProvider>());
        return services;
    }

    /// <summary>
    /// The <see cref="AwsClients"/> the aws provider and the aws store share, over one pooled HTTP client. Needs the
    /// <see cref="AwsProviderOptions"/>, a <see cref="Random"/>, the <see cref="TimeProvider"/> and the metrics.
    /// </summary>
    public static IServiceCollection AddAwsClients(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => AwsClients.Create(
            sp.GetRequiredService<AwsProviderOptions>(),
            BackendHttp.CreateClient(new BackendConnection { ConnectTimeout = TimeSpan.FromSeconds(5) }, userAgent: null),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Random>(),
            sp.GetRequiredService<ILogger<AwsClients>>(),
            sp.GetRequiredService<Observability.DriverMetrics>()));
        return services;
    }

    public static IServiceCollection AddLocalProvider(this IServiceCollection services, LocalProviderOptions options)
    {
        services.TryAddSingleton(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProvider, LocalProvider>());
        return services;
    }

    /// <summary>The <c>kubernetes</c> provider; needs the <see cref="CsiDriver.Kubernetes.KubernetesClient"/> registered.</summary>
    public static IServiceCollection AddKubernetesProvider(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProvider, KubernetesProvider>());
        return services;
    }
}
