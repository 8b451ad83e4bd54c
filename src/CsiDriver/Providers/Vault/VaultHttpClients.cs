using System.Security.Cryptography.X509Certificates;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// One HttpClient per distinct TLS configuration (CA file or directory, SNI name, skip-verify,
/// client certificate), created on first use and kept: connections are pooled across pods.
/// </summary>
internal sealed class VaultHttpClients : IDisposable
{
    private readonly ConcurrentDictionary<VaultTlsSettings, Lazy<HttpClient>> _clients = new();

    public HttpClient Get(VaultTlsSettings tls, string classDescription)
    {
        var lazy = _clients.GetOrAdd(tls, t => new Lazy<HttpClient>(() => Create(t, classDescription), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (SecretStoreException)
        {
            // A missing CA file may appear later; do not cache the failure.
            _clients.TryRemove(new KeyValuePair<VaultTlsSettings, Lazy<HttpClient>>(tls, lazy));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _clients.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }
    }

    private static HttpClient Create(VaultTlsSettings tls, string classDescription) =>
        CsiDriver.Http.BackendHttp.CreateClient(
            new CsiDriver.Http.BackendConnection
            {
                SkipVerify = tls.SkipVerify,
                TrustedRoots = !tls.SkipVerify && (tls.CaCertPath is not null || tls.CaDirectory is not null || tls.CaPem is not null) ? LoadRoots(tls, classDescription) : null,
                ServerName = tls.ServerName,
                ClientCertificate = tls.ClientCertPath is { } certPath && tls.ClientKeyPath is { } keyPath ? LoadClientCertificate(certPath, keyPath, classDescription) : null,
            },
            userAgent: null);

    private static X509Certificate2Collection LoadRoots(VaultTlsSettings tls, string classDescription)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            if (tls.CaPem is { } inline)
            {
                roots.ImportFromPem(inline);
            }

            if (tls.CaCertPath is { } file)
            {
                roots.ImportFromPemFile(file);
            }

            if (tls.CaDirectory is { } directory)
            {
                foreach (var pem in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
                {
                    try
                    {
                        roots.ImportFromPemFile(pem);
                    }
                    catch (CryptographicException)
                    {
                        // Go's AppendCertsFromPEM skips files that hold no certificate; so do we.
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw ProviderParameters.Invalid(classDescription, $"cannot read the Vault CA certificates (vaultCACertPath/vaultCADirectory, paths on the driver's filesystem): {ex.Message}");
        }

        if (roots.Count == 0)
        {
            throw ProviderParameters.Invalid(classDescription, "vaultCACertPath/vaultCADirectory hold no PEM certificate");
        }

        return roots;
    }

    private static X509Certificate2 LoadClientCertificate(string certPath, string keyPath, string classDescription)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            // SslStream on Linux wants a certificate whose key it can use directly; a PKCS#12 round trip gives it one.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            // The exception text names files and formats, never key material.
            throw ProviderParameters.Invalid(classDescription, $"cannot load the Vault client certificate (vaultTLSClientCertPath/vaultTLSClientKeyPath): {ex.Message}");
        }
    }
}
