using CsiDriver.Hosting;
using CsiDriver.Providers;
using CsiDriver.Providers.Kubernetes;
using CsiDriver.Publishing;
using CsiDriver.Sync;

namespace CsiDriver.Kubernetes;

/// <summary>The API connection and the client built on it; owns the connection pools.</summary>
internal sealed class KubernetesApi : IDisposable
{
    private readonly KubernetesTransport _podTransport;

    public KubernetesApi(KubernetesConnection connection, KubernetesClientOptions options, TimeProvider time, Func<double> random, ILogger logger)
    {
        Connection = connection;
        Transport = new KubernetesTransport(connection, withClientCertificate: true, options, time, random, logger);
        _podTransport = connection.ClientCertificate is null
            ? Transport
            : new KubernetesTransport(connection, withClientCertificate: false, options, time, random, logger);
        Client = new KubernetesClient(Transport, _podTransport, connection.Token, options, logger);
    }

    public KubernetesConnection Connection { get; }

    public KubernetesClient Client { get; }

    /// <summary>The driver's own transport, for API calls that live outside <see cref="KubernetesClient"/> (the External Secrets controller's).</summary>
    public KubernetesTransport Transport { get; }

    public void Dispose()
    {
        Transport.Dispose();
        if (!ReferenceEquals(_podTransport, Transport))
        {
            _podTransport.Dispose();
        }
    }
}

/// <summary>
/// Wires the Kubernetes integration when an API is configured (<c>--kubeconfig</c>, <c>KUBECONFIG</c>, or
/// in-cluster): the API class source, ServiceAccount lookup, pod status, pod events, Secret sync and the
/// <c>kubernetes</c> provider. Without an API nothing is registered and the driver runs from <c>--spc-dir</c>.
/// </summary>
internal static class KubernetesServices
{
    public static IServiceCollection AddKubernetesApi(this IServiceCollection services, DriverOptions options)
    {
        var connection = InClusterConfig.Resolve(options.Kubeconfig, Environment.GetEnvironmentVariable, TimeProvider.System);
        if (connection is null)
        {
            return services;
        }

        services.TryAddSingleton(new KubernetesClientOptions());
        services.TryAddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("CsiDriver.Kubernetes");
            KubernetesLog.Connected(logger, connection.ToString());
            return new KubernetesApi(connection, sp.GetRequiredService<KubernetesClientOptions>(), sp.GetRequiredService<TimeProvider>(), Random.Shared.NextDouble, logger);
        });
        services.TryAddSingleton(sp => sp.GetRequiredService<KubernetesApi>().Client);
        services.TryAddSingleton<IServiceAccountLookup>(sp => new ApiServiceAccountLookup(sp.GetRequiredService<KubernetesClient>()));
        services.AddSingleton<IPublishObserver>(sp => new PodStatusWriter(sp.GetRequiredService<KubernetesClient>(), options.NodeId, sp.GetRequiredService<ILogger<PodStatusWriter>>()));
        services.TryAddSingleton(sp => new PodEventRecorder(sp.GetRequiredService<KubernetesClient>(), options.NodeId, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PodEventRecorder>>()));
        services.AddSingleton<IPublishObserver>(sp => sp.GetRequiredService<PodEventRecorder>());

        // Secret sync (spec.secretObjects), after PodStatusWriter: synced Secrets are owned by the status it writes.
        services.AddSingleton<IPublishObserver>(sp => ActivatorUtilities.CreateInstance<SecretMirror>(sp, SecretMirror.DefaultBudget));
        services.AddKubernetesProvider();
        return services;
    }
}
