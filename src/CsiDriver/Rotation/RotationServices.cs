using CsiDriver.Hosting;
using CsiDriver.Observability;
using CsiDriver.Publishing;
using Microsoft.Extensions.Hosting;

namespace CsiDriver.Rotation;

/// <summary>Wires rotation: the loop, the republish gate, the credential store and the staleIfError cache.</summary>
internal static class RotationServices
{
    public static IServiceCollection AddRotation(this IServiceCollection services, DriverOptions options)
    {
        services.TryAddSingleton(new RotationOptions
        {
            Enabled = options.EnableSecretRotation,
            PollInterval = options.RotationPollInterval,
            MaxConcurrentFetches = options.RotationMaxConcurrentFetches,
        });
        services.TryAddSingleton(sp =>
        {
            var locks = new VolumeLocks();
            sp.GetRequiredService<MetricsRegistry>().Gauge(
                "csi_secrets_store_volume_lock_waiters", "Calls waiting for another call on the same volume or target to finish.", () => locks.Waiting);
            return locks;
        });
        services.TryAddSingleton<VolumeCredentialStore>();
        services.AddSingleton<IPublishObserver>(sp => sp.GetRequiredService<VolumeCredentialStore>());
        services.TryAddSingleton<RotationSchedule>();
        services.TryAddSingleton<RepublishGate>();
        services.TryAddSingleton<StaleObjectCache>();
        services.TryAddSingleton<ProviderBackoff>();
        services.TryAddSingleton<RotationReconciler>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<RotationReconciler>());
        return services;
    }
}
