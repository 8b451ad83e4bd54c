using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CsiDriver.Http;

/// <summary>How the driver connects to one backend: pool, timeouts, proxy and TLS trust.</summary>
internal sealed record BackendConnection
{
    /// <summary>How long a TCP connect plus TLS handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Open connections per host; parallel reads of one publish queue beyond it.</summary>
    public int MaxConnectionsPerServer { get; init; } = 32;

    /// <summary>Whether HTTPS_PROXY/NO_PROXY apply (cloud backends); false for the API server.</summary>
    public bool UseProxy { get; init; } = true;

    /// <summary>The only CAs that may sign the backend's certificate; null trusts the system store (OpenSSL honours SSL_CERT_FILE / SSL_CERT_DIR).</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>The name the backend's certificate must carry when it differs from the URL's host.</summary>
    public string? ServerName { get; init; }

    /// <summary>Accept any server certificate: only when a configuration explicitly asks for it.</summary>
    public bool SkipVerify { get; init; }

    /// <summary>The certificate presented for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }
}

/// <summary>
/// The one place that builds HTTP clients for backends (Vault, AWS, Azure, GCP, the Kubernetes API): one pooled
/// <see cref="SocketsHttpHandler"/> per backend configuration, recycled connections so DNS changes are seen,
/// no redirects, no cookies, no automatic decompression, and no client-wide timeout (each caller sets a
/// per-request deadline and reads bodies with <see cref="BoundedContent"/>).
/// </summary>
internal static class BackendHttp
{
    /// <summary>A handler for <paramref name="connection"/>; the caller owns it.</summary>
    public static SocketsHttpHandler CreateHandler(BackendConnection connection)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (connection.SkipVerify)
        {
            // Only reached when a class asks for it explicitly (e.g. vaultSkipTLSVerify: true); documented as unsafe.
#pragma warning disable CA5359
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else
        {
            if (connection.TrustedRoots is { } roots)
            {
                ssl.CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                ssl.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
            }

            if (connection.ServerName is { } serverName)
            {
                // SocketsHttpHandler takes the TLS name from the URL, so the certificate is checked against the
                // configured name here instead (the chain is still verified as usual).
                ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None &&
                    certificate is X509Certificate2 presented && presented.MatchesHostname(serverName);
            }
        }

        if (connection.ClientCertificate is { } clientCertificate)
        {
            ssl.ClientCertificates = [clientCertificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return new SocketsHttpHandler
        {
            SslOptions = ssl,
            ConnectTimeout = connection.ConnectTimeout,
            MaxConnectionsPerServer = connection.MaxConnectionsPerServer,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = connection.UseProxy,
            AutomaticDecompression = DecompressionMethods.None,
        };
    }

    /// <summary>A client over <paramref name="handler"/> (which it disposes when <paramref name="ownsHandler"/>), without a client-wide timeout.</summary>
    public static HttpClient CreateClient(HttpMessageHandler handler, bool ownsHandler, string? userAgent)
    {
        var client = new HttpClient(handler, disposeHandler: ownsHandler) { Timeout = Timeout.InfiniteTimeSpan };
        if (userAgent is not null)
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }

        return client;
    }

    /// <summary>A client with its own handler for <paramref name="connection"/>.</summary>
    public static HttpClient CreateClient(BackendConnection connection, string? userAgent) =>
        CreateClient(CreateHandler(connection), ownsHandler: true, userAgent);
}
