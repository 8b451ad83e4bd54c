using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Reconcile.PushSecrets;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Observability;
using CsiDriver.State;

namespace CsiDriver.ExternalSecrets.Hosting;

/// <summary>What the controller process runs on top of its runtime: the reconcilers and every store provider.</summary>
internal static class ReconciliationServices
{
    /// <summary>
    /// Registers the ExternalSecret and store reconcilers, the <c>fake</c>, <c>vault</c> and <c>kubernetes</c> stores, and
    /// the metrics they share with the driver. Kept apart from the runtime so runtime tests can run their own reconcilers.
    /// </summary>
    public static IServiceCollection AddExternalSecretsReconciliation(this IServiceCollection services, ControllerOptions options)
    {
        services.TryAddSingleton<IVolumeRegistry, NoVolumeRegistry>();
        services.TryAddSingleton<DriverMetrics>();
        services.TryAddSingleton(new ExternalSecretsReconcileOptions { ControllerClass = options.ControllerClass, FindMaxKeys = options.FindMaxKeys });
        services.AddExternalSecretReconcilers();
        services.AddClusterExternalSecretReconciler();
        services.AddPushSecretReconciler();
        services.AddExternalSecretStores();
        return services;
    }
}
