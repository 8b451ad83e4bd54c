using CsiDriver.ExternalSecrets.Runtime;

namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>Wires the PushSecret and ClusterPushSecret reconcilers.</summary>
internal static class PushSecretServices
{
    /// <summary>
    /// Registers the PushSecret and ClusterPushSecret reconcilers as <see cref="IReconciler"/>s. Builds on what
    /// <see cref="ExternalSecretReconcilerServices.AddExternalSecretReconcilers"/> registers (the API, the store resolver,
    /// the renderer, the event recorder); the stores it pushes to are the <c>IStoreProvider</c>s whose clients implement
    /// <c>IStoreWriter</c>.
    /// </summary>
    public static IServiceCollection AddPushSecretReconciler(this IServiceCollection services)
    {
        services.TryAddSingleton<PushSecretStores>();
        services.TryAddSingleton<PushSecretMetrics>();
        services.TryAddSingleton<PushSecretSource>();
        services.TryAddSingleton<PushSecretReconciler.Dependencies>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReconciler, PushSecretReconciler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReconciler, ClusterPushSecretReconciler>());
        return services;
    }
}
