using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Kubernetes;
using CsiDriver.Observability;

namespace CsiDriver.ExternalSecrets.Hosting;

/// <summary>DI for the External Secrets controller process: the API connection, list/watch, leases, and the runtime.</summary>
internal static class ExternalSecretsControllerServices
{
    /// <summary>
    /// Registers the controller host's parts. Reconcilers come from <c>IEnumerable&lt;IReconciler&gt;</c> (one per
    /// kind); store providers from <c>IEnumerable&lt;IStoreProvider&gt;</c>. Everything is TryAdd, so a caller may
    /// supply its own <see cref="TimeProvider"/> or <see cref="KubernetesClientOptions"/> first.
    /// </summary>
    public static IServiceCollection AddExternalSecretsController(this IServiceCollection services, ControllerOptions options, KubernetesConnection connection)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MetricsRegistry>();
        services.TryAddSingleton<HealthAndMetricsEndpoint>();
        services.TryAddSingleton(options);
        services.TryAddSingleton(new KubernetesClientOptions
        {
            // Four watches hold a connection each for minutes; leave room for the reconcilers' calls.
            MaxConnectionsPerServer = 16,
            UserAgent = "csi-secrets-store/controller",
        });
        services.TryAddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("CsiDriver.Kubernetes");
            KubernetesLog.Connected(logger, connection.ToString());
            return new KubernetesApi(connection, sp.GetRequiredService<KubernetesClientOptions>(), sp.GetRequiredService<TimeProvider>(), Random.Shared.NextDouble, logger);
        });
        services.TryAddSingleton(sp => new ListWatchClient(sp.GetRequiredService<KubernetesApi>().Transport, connection.Token));
        services.TryAddSingleton(sp => new LeaseClient(sp.GetRequiredService<KubernetesApi>().Transport, connection.Token));
        services.TryAddSingleton(sp => new RuntimeMetrics(sp.GetRequiredService<MetricsRegistry>()));
        services.TryAddSingleton<InformerCaches>();
        services.TryAddSingleton(sp => new ControllerRuntime(
            RuntimeOptions(options, connection),
            sp.GetRequiredService<ListWatchClient>(),
            sp.GetRequiredService<LeaseClient>(),
            sp.GetServices<IReconciler>(),
            sp.GetRequiredService<RuntimeMetrics>(),
            sp.GetRequiredService<HealthAndMetricsEndpoint>(),
            sp.GetRequiredService<InformerCaches>(),
            sp.GetRequiredService<TimeProvider>(),
            Random.Shared.NextDouble,
            sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }

    private static ControllerRuntimeOptions RuntimeOptions(ControllerOptions options, KubernetesConnection connection) => new()
    {
        WatchNamespace = options.Namespace,
        Workers = options.Concurrent,
        ShutdownTimeout = options.ShutdownTimeout,
        LeaderElection = options.LeaderElect
            ? new LeaderElectionOptions
            {
                Namespace = options.LeaderElectionNamespace ?? connection.Namespace ?? "default",
                Name = options.LeaderElectionId,
                Identity = $"{Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName}_{Guid.NewGuid():N}",
                LeaseDuration = options.LeaseDuration,
                RenewDeadline = options.RenewDeadline,
                RetryPeriod = options.RetryPeriod,
            }
            : null,
    };
}
