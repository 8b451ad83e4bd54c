using System.Security.Cryptography.X509Certificates;

namespace CsiDriver.Kubernetes;

/// <summary>
/// Where the API server is and how to prove who we are: from in-cluster config or a kubeconfig.
/// Holds credentials, so <see cref="ToString"/> shows only the server and the auth form.
/// </summary>
public sealed class KubernetesConnection
{
    public required Uri Server { get; init; }

    /// <summary>CAs that may sign the server's certificate; empty means the system trust store.</summary>
    public X509Certificate2Collection CertificateAuthorities { get; init; } = [];

    public IBearerTokenSource Token { get; init; } = NoBearerToken.Instance;

    /// <summary>Client certificate with its private key, for certificate auth.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The namespace of the current context (or the in-cluster namespace file).</summary>
    public string? Namespace { get; init; }

    /// <summary>Where this came from, for logs: <c>in-cluster</c> or <c>kubeconfig FILE (context X)</c>.</summary>
    public string Source { get; init; } = string.Empty;

    public string AuthDescription => ClientCertificate is not null ? "client certificate" : Token is NoBearerToken ? "anonymous" : Token.ToString() ?? "token";

    public override string ToString() => $"{Server} via {Source} ({AuthDescription})";
}
