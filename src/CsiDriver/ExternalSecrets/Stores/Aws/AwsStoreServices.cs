using CsiDriver.Providers;
using CsiDriver.Providers.Aws;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>Wires the <c>aws</c> store provider of the External Secrets mode.</summary>
internal static class AwsStoreServices
{
    /// <summary>
    /// Registers the <c>aws</c> <see cref="IStoreProvider"/>, its settings from the controller's environment (endpoint
    /// overrides, its own identity) unless registered before. Needs what <see cref="StoreServices.AddExternalSecretStores"/>
    /// registers.
    /// </summary>
    public static IServiceCollection AddAwsStore(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => AwsProviderOptions.FromEnvironment(Environment.GetEnvironmentVariable));
        services.TryAddSingleton(_ => AwsControllerIdentity.FromEnvironment(Environment.GetEnvironmentVariable));
        services.TryAddSingleton(Random.Shared);
        services.AddAwsClients();
        services.TryAddStoreProvider(sp => ActivatorUtilities.CreateInstance<AwsStoreProvider>(sp));
        return services;
    }
}
