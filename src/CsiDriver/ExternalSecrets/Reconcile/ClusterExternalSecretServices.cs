using CsiDriver.ExternalSecrets.Runtime;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>Wires the ClusterExternalSecret reconciler.</summary>
internal static class ClusterExternalSecretServices
{
    /// <summary>Registers the ClusterExternalSecret reconciler and its metrics; needs what <c>AddExternalSecretReconcilers</c> registers.</summary>
    public static IServiceCollection AddClusterExternalSecretReconciler(this IServiceCollection services)
    {
        services.TryAddSingleton<ClusterExternalSecretMetrics>();
        services.AddSingleton<IReconciler, ClusterExternalSecretReconciler>();
        return services;
    }
}
