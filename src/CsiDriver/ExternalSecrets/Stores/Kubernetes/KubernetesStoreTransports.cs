using System.Security.Cryptography.X509Certificates;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Stores.Kubernetes;

/// <summary>
/// One <see cref="KubernetesTransport"/> (our Kubernetes HTTP client: TLS pinned to the CA, retries, bounded bodies) per
/// distinct (server, CA bundle, client certificate), created on first use and kept, so every ExternalSecret reading
/// through a store shares one connection pool. Bearer tokens are passed per call, so they do not split pools.
/// </summary>
internal sealed class KubernetesStoreTransports(KubernetesClientOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<KubernetesTransport>> _transports = new(StringComparer.Ordinal);

    /// <param name="caFingerprint">Tells CA bundles apart (the bundle's hash, or a name for the controller's own CA).</param>
    public KubernetesTransport Get(Uri server, X509Certificate2Collection certificateAuthorities, string caFingerprint, X509Certificate2? clientCertificate)
    {
        var key = $"{server}|{caFingerprint}|{clientCertificate?.Thumbprint}";
        var lazy = _transports.GetOrAdd(key, _ => new Lazy<KubernetesTransport>(
            () =>
            {
                var connection = new KubernetesConnection
                {
                    Server = server,
                    CertificateAuthorities = certificateAuthorities,
                    ClientCertificate = clientCertificate,
                    Source = "kubernetes store",
                };
                return new KubernetesTransport(connection, withClientCertificate: true, options, time, Random.Shared.NextDouble, logger);
            },
            LazyThreadSafetyMode.ExecutionAndPublication));
        return lazy.Value;
    }

    public void Dispose()
    {
        foreach (var lazy in _transports.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }
    }
}
