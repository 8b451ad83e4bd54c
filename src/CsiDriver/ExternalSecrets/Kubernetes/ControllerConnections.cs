using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>Builds the controller's API clients that own a connection pool of their own, as the controller's ServiceAccount.</summary>
internal static class ControllerConnections
{
    /// <summary>
    /// A client over a new transport to the host's <see cref="KubernetesApi"/> connection (its client certificate
    /// included), with the registered <see cref="KubernetesClientOptions"/> or the defaults.
    /// </summary>
    public static T Connect<T>(IServiceProvider services, Func<KubernetesTransport, IBearerTokenSource, T> create)
    {
        var connection = services.GetRequiredService<KubernetesApi>().Connection;
        var transport = new KubernetesTransport(
            connection,
            withClientCertificate: true,
            services.GetService<KubernetesClientOptions>() ?? new KubernetesClientOptions(),
            services.GetRequiredService<TimeProvider>(),
            Random.Shared.NextDouble,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("CsiDriver.ExternalSecrets.Kubernetes"));
        return create(transport, connection.Token);
    }
}
