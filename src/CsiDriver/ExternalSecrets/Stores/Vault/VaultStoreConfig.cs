using CsiDriver.ExternalSecrets.Stores.References;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>How a vault store logs in (eso.md section 4.4); the first one set wins, in the operator's order.</summary>
internal abstract record VaultStoreAuth : StoreAuth;

/// <summary>No <c>auth</c>: requests carry no token.</summary>
internal sealed record VaultNoAuth : VaultStoreAuth;

/// <summary><c>auth.tokenSecretRef</c>: a ready Vault token in a Secret.</summary>
internal sealed record VaultTokenAuth(SecretKeySelector Token) : VaultStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => [Token];
}

/// <summary><c>auth.kubernetes</c>: a service-account JWT (TokenRequest, a Secret, or the controller's own) for a role.</summary>
internal sealed record VaultKubernetesAuth(string MountPath, string Role, ServiceAccountSelector? ServiceAccount, SecretKeySelector? JwtSecret) : VaultStoreAuth
{
    /// <summary>ESO asks for 600 s tokens for Vault logins.</summary>
    public const long TokenSeconds = 600;

    public override IEnumerable<SecretKeySelector> Secrets => ServiceAccount is null && JwtSecret is not null ? [JwtSecret] : [];

    public override IEnumerable<string?> ReferenceNamespaces =>
        ServiceAccount is not null ? [ServiceAccount.Namespace] : base.ReferenceNamespaces;
}

/// <summary><c>auth.jwt</c>: a JWT from a Secret, or a service account's token (TokenRequest) for the audiences given.</summary>
internal sealed record VaultJwtAuth(string Path, string Role, SecretKeySelector? JwtSecret, ServiceAccountSelector? ServiceAccount, long TokenSeconds) : VaultStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => ServiceAccount is null && JwtSecret is not null ? [JwtSecret] : [];

    public override IEnumerable<string?> ReferenceNamespaces =>
        ServiceAccount is not null ? [ServiceAccount.Namespace] : base.ReferenceNamespaces;
}

/// <summary><c>auth.appRole</c>: a role id (inline or from a Secret) and a secret id from a Secret.</summary>
internal sealed record VaultAppRoleAuth(string Path, string? RoleId, SecretKeySelector? RoleRef, SecretKeySelector SecretId) : VaultStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => RoleRef is null ? [SecretId] : [RoleRef, SecretId];
}

/// <summary>A vault store's block, parsed and defaulted; holds no credential.</summary>
internal sealed record VaultStoreConfig(Uri Server, string? MountPath, bool KvV2, string? Namespace, string? AuthNamespace, VaultStoreAuth Auth)
{
    /// <summary>Parses <c>spec.provider.vault</c>; throws an InvalidConfiguration <see cref="Publishing.SecretStoreException"/> naming the field.</summary>
    public static VaultStoreConfig Parse(StoreContext store)
    {
        var block = StoreBlock.Root(store);
        var serverText = block.RequiredString("server");
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https") ||
            !string.IsNullOrEmpty(server.UserInfo) || !string.IsNullOrEmpty(server.Query))
        {
            var shown = serverText.Contains('@', StringComparison.Ordinal) ? "(not shown: it carries credentials)" : $"'{serverText}'";
            throw block.Invalid($"{block.Path}.server {shown} is not an http(s) URL such as https://vault.vault:8200");
        }

        // A base path (Vault behind a path-routing proxy) is kept.
        server = new UriBuilder(server) { Path = server.AbsolutePath.TrimEnd('/') + "/" }.Uri;

        var version = block.String("version") ?? "v2";
        if (version is not ("v1" or "v2"))
        {
            throw block.Invalid($"{block.Path}.version must be v1 or v2, not '{version}'");
        }

        var mount = block.String("path")?.Trim('/');
        if (mount is not null && (mount.Length == 0 || mount.Split('/').Any(s => s is "" or "." or "..")))
        {
            throw block.Invalid($"{block.Path}.path '{mount}' is not a Vault mount path");
        }

        // readYourWrites and forwardInconsistent only matter for writes and replicas; reads here ignore them.
        foreach (var unsupported in (string[])["tls", "headers"])
        {
            if (block.Has(unsupported))
            {
                throw block.Invalid($"{block.Path}.{unsupported} is not supported in this mode yet");
            }
        }

        var auth = block.Child("auth");
        var @namespace = block.String("namespace");
        return new VaultStoreConfig(server, mount, version == "v2", @namespace, auth.String("namespace") ?? @namespace, ParseAuth(store, auth));
    }

    private static VaultStoreAuth ParseAuth(StoreContext store, StoreBlock auth)
    {
        if (!auth.Exists)
        {
            return new VaultNoAuth();
        }

        if (auth.SecretKey("tokenSecretRef") is { } token)
        {
            return new VaultTokenAuth(token);
        }

        var appRole = auth.Child("appRole");
        if (appRole.Exists)
        {
            var roleId = appRole.String("roleId");
            var roleRef = appRole.SecretKey("roleRef");
            if (roleId is null && roleRef is null)
            {
                throw appRole.Invalid($"{appRole.Path}: set roleId or roleRef");
            }

            var secretId = appRole.SecretKey("secretRef") ?? throw appRole.Invalid($"{appRole.Path}.secretRef is required");
            return new VaultAppRoleAuth(ParseMount(appRole, appRole.String("path") ?? "approle", "path"), roleId, roleId is null ? roleRef : null, secretId);
        }

        var kubernetes = auth.Child("kubernetes");
        if (kubernetes.Exists)
        {
            return new VaultKubernetesAuth(
                ParseMount(kubernetes, kubernetes.String("mountPath") ?? "kubernetes", "mountPath"),
                kubernetes.RequiredString("role"),
                kubernetes.ServiceAccount("serviceAccountRef"),
                kubernetes.SecretKey("secretRef", defaultKey: "token"));
        }

        var jwt = auth.Child("jwt");
        if (jwt.Exists)
        {
            return ParseJwt(jwt);
        }

        var named = auth.Fields.Where(f => f != "namespace").ToList();
        return named.Count == 0
            ? new VaultNoAuth()
            : throw auth.Invalid($"{auth.Path}.{named[0]} is not supported in this mode yet (supported: tokenSecretRef, appRole, kubernetes, jwt)");
    }

    /// <summary>
    /// <c>auth.jwt</c>: <c>kubernetesServiceAccountToken</c> (its <c>audiences</c>, default <c>vault</c>, and
    /// <c>expirationSeconds</c>, default 600, as the operator) wins over <c>secretRef</c>.
    /// </summary>
    private static VaultJwtAuth ParseJwt(StoreBlock jwt)
    {
        var path = ParseMount(jwt, jwt.String("path") ?? "jwt", "path");
        var role = jwt.String("role") ?? string.Empty;
        var token = jwt.Child("kubernetesServiceAccountToken");
        if (token.Exists)
        {
            var account = token.ServiceAccount("serviceAccountRef") ?? throw token.Invalid($"{token.Path}.serviceAccountRef is required");
            var audiences = token.Strings("audiences");
            if (audiences.Count == 0 && account.Audiences.Count == 0)
            {
                audiences = ["vault"];
            }

            var seconds = 600L;
            if (token.Node?["expirationSeconds"] is { } node)
            {
                seconds = node is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<long>(out var parsed) && parsed >= 600
                    ? parsed
                    : throw token.Invalid($"{token.Path}.expirationSeconds must be a whole number of at least 600");
            }

            return new VaultJwtAuth(path, role, null, account with { Audiences = [.. account.Audiences, .. audiences] }, seconds);
        }

        var secret = jwt.SecretKey("secretRef") ?? throw jwt.Invalid($"{jwt.Path} needs kubernetesServiceAccountToken or secretRef");
        return new VaultJwtAuth(path, role, secret, null, 0);
    }

    private static string ParseMount(StoreBlock block, string value, string field)
    {
        var mount = value.Trim('/');
        return mount.Length == 0 || mount.Split('/').Any(s => s is "" or "." or "..")
            ? throw block.Invalid($"{block.Path}.{field} '{value}' is not a Vault mount path")
            : mount;
    }
}
