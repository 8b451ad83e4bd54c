using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Stores.Aws;
using CsiDriver.ExternalSecrets.Stores.Azure;
using CsiDriver.ExternalSecrets.Stores.Gcp;
using CsiDriver.ExternalSecrets.Stores.Kubernetes;
using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.ExternalSecrets.Stores.Vault;
using CsiDriver.Kubernetes;
using CsiDriver.Providers.Vault;

namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>Wires the store providers of the External Secrets mode (<c>vault</c>, <c>kubernetes</c>, <c>aws</c>, <c>gcpsm</c>, <c>azurekv</c>).</summary>
internal static class StoreServices
{
    /// <summary>
    /// Registers the <see cref="IStoreProvider"/>s and what they share: the controller's reads of referenced Secrets,
    /// ConfigMaps and ServiceAccount annotations, and the TokenRequest token cache. Needs the host's
    /// <see cref="KubernetesApi"/>, <see cref="TimeProvider"/> and logging.
    /// </summary>
    public static IServiceCollection AddExternalSecretStores(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => ControllerConnections.Connect(sp, (transport, credentials) => new StoreReferenceApi(transport, credentials)));
        services.TryAddSingleton(sp => new ServiceAccountTokenCache(sp.GetRequiredService<StoreReferenceApi>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new StoreReferenceReader(
            sp.GetRequiredService<StoreReferenceApi>(),
            sp.GetRequiredService<ServiceAccountTokenCache>(),
            new ReferenceReadCache(sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton(sp => new ServiceAccountAnnotationReader(sp.GetRequiredService<StoreReferenceApi>(), new ReferenceReadCache(sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton(sp => new KubernetesStoreTransports(
            sp.GetService<KubernetesClientOptions>() ?? new KubernetesClientOptions(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("CsiDriver.ExternalSecrets.Stores.Kubernetes")));
        services.TryAddStoreProvider(sp => ActivatorUtilities.CreateInstance<VaultStoreProvider>(sp, new VaultProviderOptions()));
        services.TryAddStoreProvider(sp => ActivatorUtilities.CreateInstance<KubernetesStoreProvider>(sp, sp.GetRequiredService<KubernetesApi>().Connection));
        services.AddAwsStore().AddGcpStore().AddAzureStore();
        return services;
    }

    /// <summary>Registers <typeparamref name="T"/> once, as itself and as one of the <see cref="IStoreProvider"/>s.</summary>
    public static IServiceCollection TryAddStoreProvider<T>(this IServiceCollection services, Func<IServiceProvider, T> create)
        where T : class, IStoreProvider
    {
        services.TryAddSingleton(create);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStoreProvider, T>(sp => sp.GetRequiredService<T>()));
        return services;
    }
}
