using CsiDriver.Providers.Gcp;

namespace CsiDriver.ExternalSecrets.Stores.Gcp;

/// <summary>Wires the <c>gcpsm</c> store provider of the External Secrets mode.</summary>
internal static class GcpStoreServices
{
    /// <summary>
    /// Registers the <c>gcpsm</c> <see cref="IStoreProvider"/> with a registered <see cref="GcpProviderOptions"/>, else
    /// options from the controller's environment (the same variables as the driver's gcp provider). Needs what
    /// <see cref="StoreServices.AddExternalSecretStores"/> registers.
    /// </summary>
    public static IServiceCollection AddGcpStore(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => GcpServiceCollectionExtensions.FromEnvironment(Environment.GetEnvironmentVariable, new GcpProviderOptions().MaxObjectBytes));
        services.TryAddSingleton(Random.Shared);
        services.AddGoogleClients().TryAddSingleton<GcpStoreCredentials>();
        services.TryAddStoreProvider(sp => ActivatorUtilities.CreateInstance<GcpStoreProvider>(sp));
        return services;
    }
}
