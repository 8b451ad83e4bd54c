using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>Wires the ClusterExternalSecret reconciler.</summary>
internal static class ClusterExternalSecretServices
{
    /// <summary>Registers the ClusterExternalSecret reconciler and its metrics; needs what <c>AddExternalSecretReconcilers</c> registers.</summary>
    public static IServiceCollection AddClusterExternalSecretReconciler(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new ClusterExternalSecretMetrics(sp.GetRequiredService<MetricsRegistry>()));
        services.AddSingleton<IReconciler>(sp => new ClusterExternalSecretReconciler(
            sp.GetRequiredService<Kubernetes.ExternalSecretsKubeApi>(),
            sp.GetRequiredService<ClusterExternalSecretMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ClusterExternalSecretReconciler>>()));
        return services;
    }
}
