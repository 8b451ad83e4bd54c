using CsiDriver.ExternalSecrets.Stores.References;

namespace CsiDriver.ExternalSecrets.Stores.Kubernetes;

/// <summary>How a kubernetes store authenticates to its API server (exactly one, eso.md section 4.8).</summary>
internal abstract record KubernetesStoreAuth : StoreAuth;

/// <summary><c>auth.token.bearerToken</c>: a token in a Secret.</summary>
internal sealed record KubernetesTokenAuth(SecretKeySelector Token) : KubernetesStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => [Token];
}

/// <summary><c>auth.serviceAccount</c>: a token for the service account through the TokenRequest API.</summary>
internal sealed record KubernetesServiceAccountAuth(ServiceAccountSelector ServiceAccount) : KubernetesStoreAuth
{
    /// <summary>The operator asks for one-hour tokens.</summary>
    public const long TokenSeconds = 3600;
}

/// <summary><c>auth.cert</c>: a client certificate and its key, each in a Secret.</summary>
internal sealed record KubernetesCertAuth(SecretKeySelector Certificate, SecretKeySelector Key) : KubernetesStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => [Certificate, Key];
}

/// <summary>A kubernetes store's block, parsed and defaulted; holds no credential.</summary>
/// <param name="Server">The API server, or null for the cluster the controller talks to.</param>
internal sealed record KubernetesStoreConfig(string RemoteNamespace, Uri? Server, KubernetesStoreAuth Auth)
{
    public static KubernetesStoreConfig Parse(StoreContext store)
    {
        var block = StoreBlock.Root(store);
        var remote = block.String("remoteNamespace") ?? "default";
        if (!CsiDriver.Kubernetes.KubernetesNames.IsValid(remote) || remote.Contains('.', StringComparison.Ordinal) || remote.Length > 63)
        {
            throw block.Invalid($"{block.Path}.remoteNamespace '{remote}' is not a namespace name");
        }

        if (block.Has("authRef"))
        {
            throw block.Invalid($"{block.Path}.authRef (a kubeconfig in a Secret) is not supported in this mode yet; use auth.serviceAccount, auth.token or auth.cert");
        }

        var serverBlock = block.Child("server");
        Uri? server = null;
        if (serverBlock.String("url") is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out server) || server.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(server.UserInfo))
            {
                var shown = url.Contains('@', StringComparison.Ordinal) ? "(not shown: it carries credentials)" : $"'{url}'";
                throw serverBlock.Invalid($"{serverBlock.Path}.url {shown} is not an http(s) URL such as https://kubernetes.default.svc");
            }
        }

        if (store.IsClusterStore && serverBlock.CaProvider("caProvider") is { Namespace: null } ca)
        {
            throw serverBlock.Invalid($"{ca.Field}.namespace is required in a ClusterSecretStore");
        }

        return new KubernetesStoreConfig(remote, server, ParseAuth(store, block.Child("auth")));
    }

    private static KubernetesStoreAuth ParseAuth(StoreContext store, StoreBlock auth)
    {
        var set = auth.Fields.ToList();
        if (set.Count != 1)
        {
            throw auth.Invalid(set.Count == 0
                ? $"{auth.Path} must set one of token, serviceAccount or cert"
                : $"{auth.Path} must set exactly one of token, serviceAccount or cert, not {string.Join(" and ", set)}");
        }

        KubernetesStoreAuth result = set[0] switch
        {
            "token" => new KubernetesTokenAuth(auth.Child("token").SecretKey("bearerToken") ?? throw auth.Invalid($"{auth.Path}.token.bearerToken is required")),
            "serviceAccount" => new KubernetesServiceAccountAuth(auth.ServiceAccount("serviceAccount")!),
            "cert" => new KubernetesCertAuth(
                auth.Child("cert").SecretKey("clientCert") ?? throw auth.Invalid($"{auth.Path}.cert.clientCert is required"),
                auth.Child("cert").SecretKey("clientKey") ?? throw auth.Invalid($"{auth.Path}.cert.clientKey is required")),
            var other => throw auth.Invalid($"{auth.Path}.{other} is not supported (use token, serviceAccount or cert)"),
        };

        // Token and certificate Secrets are never resolved per ExternalSecret (the operator requires a namespace).
        if (store.IsClusterStore && result.Secrets.FirstOrDefault(s => s.Namespace is null) is { } referent)
        {
            throw auth.Invalid($"{referent.Field}.namespace is required in a ClusterSecretStore");
        }

        return result;
    }
}
