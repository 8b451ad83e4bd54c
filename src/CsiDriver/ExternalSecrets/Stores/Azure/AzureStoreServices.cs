using CsiDriver.Providers;
using CsiDriver.Providers.Azure;

namespace CsiDriver.ExternalSecrets.Stores.Azure;

/// <summary>Wires the <c>azurekv</c> store provider of the External Secrets mode.</summary>
internal static class AzureStoreServices
{
    /// <summary>
    /// Registers the <c>azurekv</c> <see cref="IStoreProvider"/> with a registered <see cref="AzureProviderOptions"/> and
    /// <see cref="AzureStoreEnvironment"/>, else both from the controller's environment (the driver's Azure variables,
    /// <c>AZURE_TENANT_ID</c>). Needs what
    /// <see cref="StoreServices.AddExternalSecretStores"/> registers.
    /// </summary>
    public static IServiceCollection AddAzureStore(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => AzureProviderOptions.FromEnvironment(new AzureProviderOptions().MaxObjectBytes));
        services.TryAddSingleton(_ => AzureStoreEnvironment.FromEnvironment());
        services.AddKeyVaultClient();
        services.TryAddStoreProvider(sp => ActivatorUtilities.CreateInstance<AzureStoreProvider>(sp));
        return services;
    }
}
