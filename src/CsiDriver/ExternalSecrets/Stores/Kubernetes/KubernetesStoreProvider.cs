using System.Security.Cryptography.X509Certificates;
using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Kubernetes;

/// <summary>
/// The <c>kubernetes</c> store provider (eso.md section 4.8): Secrets in <c>remoteNamespace</c> of this cluster (the
/// default) or of <c>server.url</c>, trusting <c>server.caBundle</c>/<c>caProvider</c>, authenticated by a service
/// account's token (TokenRequest, one hour), a bearer token in a Secret, or a client certificate in Secrets.
/// </summary>
/// <param name="cluster">The connection the controller itself uses: the default server and its CA.</param>
internal sealed class KubernetesStoreProvider(KubernetesConnection cluster, StoreReferenceReader references, KubernetesStoreTransports transports, Observability.DriverMetrics metrics, ILogger<KubernetesStoreProvider> logger) : IStoreProvider
{
    public string Key => "kubernetes";

    public async Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken)
    {
        var config = KubernetesStoreConfig.Parse(store);
        var ca = await references.ReadCaAsync(store, StoreBlock.Root(store).Child("server"), cancellationToken).ConfigureAwait(false);
        var server = config.Server ?? cluster.Server;
        var (authorities, tlsIdentity) = ca is not null
            ? (ca.Certificates, ca.Fingerprint)
            : config.Server is null ? (cluster.CertificateAuthorities, "the controller's cluster CA") : ([], "system roots");

        IBearerTokenSource credentials = NoBearerToken.Instance;
        X509Certificate2? certificate = null;
        string principal;
        switch (config.Auth)
        {
            case KubernetesServiceAccountAuth account:
            {
                var key = StoreReferenceReader.TokenKey(store, account.ServiceAccount, KubernetesServiceAccountAuth.TokenSeconds);
                credentials = references.ServiceAccountBearer(store, account.ServiceAccount, KubernetesServiceAccountAuth.TokenSeconds);
                principal = $"ServiceAccount {key.Namespace}/{key.ServiceAccount}";
                break;
            }

            case KubernetesTokenAuth token:
            {
                var ns = StoreReferenceReader.NamespaceFor(store, token.Token.Namespace, token.Token.Field);
                credentials = new SecretBearerToken(references, store, token.Token);
                principal = $"the token in Secret {ns}/{token.Token.Name} key {token.Token.Key}";
                break;
            }

            case KubernetesCertAuth cert:
            {
                certificate = await ClientCertificateAsync(store, cert, cancellationToken).ConfigureAwait(false);
                var ns = StoreReferenceReader.NamespaceFor(store, cert.Certificate.Namespace, cert.Certificate.Field);
                principal = $"the client certificate in Secret {ns}/{cert.Certificate.Name} ({certificate.Subject})";
                break;
            }

            default:
                throw new InvalidOperationException($"no credentials for {config.Auth.GetType().Name}");
        }

        var transport = transports.Get(server, authorities, tlsIdentity, certificate);
        var client = new KubernetesStoreClient(store, config, transport, credentials, principal, tlsIdentity, metrics);
        StoreLog.Connected(logger, store.ToString(), client.Identity);
        return client;
    }

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken) => StoreValidation.ReportingAsync(async () =>
    {
        var config = KubernetesStoreConfig.Parse(store);
        if (config.Auth is KubernetesServiceAccountAuth account && StoreReferenceReader.IsReferent(store, account.ServiceAccount.Namespace))
        {
            // Referent auth: the service account lives in each ExternalSecret's namespace.
            return StoreValidation.Referent;
        }

        _ = await references.ReadCaAsync(store, StoreBlock.Root(store).Child("server"), cancellationToken).ConfigureAwait(false);
        if (config.Auth is KubernetesCertAuth cert)
        {
            _ = await ClientCertificateAsync(store, cert, cancellationToken).ConfigureAwait(false);
        }

        await references.CheckAsync(store, config.Auth.Secrets, cancellationToken).ConfigureAwait(false);
        return StoreValidation.Valid;
    });

    private async Task<X509Certificate2> ClientCertificateAsync(StoreContext store, KubernetesCertAuth cert, CancellationToken cancellationToken)
    {
        var certificatePem = Encoding.UTF8.GetString(await references.ReadAsync(store, cert.Certificate, cancellationToken).ConfigureAwait(false));
        var keyPem = Encoding.UTF8.GetString(await references.ReadAsync(store, cert.Key, cancellationToken).ConfigureAwait(false));
        try
        {
            return X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (CryptographicException)
        {
            // The exception text may quote key material: only the fields are named.
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {cert.Certificate.Field} and {cert.Key.Field} are not a valid PEM certificate and private key") { Reason = "InvalidProviderConfig" };
        }
    }
}

/// <summary>A bearer token read from a Secret at the first call and kept for this client; read again after a 401.</summary>
internal sealed class SecretBearerToken(StoreReferenceReader references, StoreContext store, SecretKeySelector selector) : IBearerTokenSource
{
    private string? _token;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) =>
        _token ??= await references.ReadTextAsync(store, selector, cancellationToken).ConfigureAwait(false);

    public bool Invalidate()
    {
        _token = null;
        return true;
    }

    public override string ToString() => selector.ToString();
}
