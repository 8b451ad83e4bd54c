using System.Security.Cryptography.X509Certificates;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.References;

/// <summary>PEM certificates a store trusts, with a fingerprint that tells bundles apart in identities (never secret).</summary>
internal sealed record CaBundle(string Pem, X509Certificate2Collection Certificates)
{
    public string Fingerprint { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Pem)))[..16];

    public override string ToString() => $"CA bundle {Fingerprint} ({Certificates.Count} certificates)";
}

/// <summary>
/// Reads what a store's block references, as the controller, in the namespace eso.md section 4.3 says: a SecretStore's
/// references in the ExternalSecret's namespace, a ClusterSecretStore's in the namespace the reference names (or the
/// ExternalSecret's when it names none: referent auth). Reads are kept for a short while (<see cref="ReferenceReadCache"/>).
/// Values stay in memory; errors name the store, the field and the object, never a value.
/// </summary>
internal sealed class StoreReferenceReader(StoreReferenceApi api, ServiceAccountTokenCache tokens, ReferenceReadCache reads)
{
    /// <summary>True when a ClusterSecretStore reference names no namespace: it can only be resolved per ExternalSecret.</summary>
    public static bool IsReferent(StoreContext store, string? referenceNamespace) =>
        store.IsClusterStore && string.IsNullOrEmpty(referenceNamespace);

    /// <summary>The namespace a reference resolves in for this store and ExternalSecret.</summary>
    public static string NamespaceFor(StoreContext store, string? referenceNamespace, string field)
    {
        var ns = store.NamespaceFor(referenceNamespace);
        return string.IsNullOrEmpty(ns)
            ? throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {field} names no namespace and there is no ExternalSecret namespace to read it from") { Reason = "InvalidProviderConfig" }
            : ns;
    }

    /// <summary>The bytes under the selector's key.</summary>
    public async Task<byte[]> ReadAsync(StoreContext store, SecretKeySelector selector, CancellationToken cancellationToken)
    {
        var ns = NamespaceFor(store, selector.Namespace, selector.Field);
        var secret = await GetSecretAsync(store, ns, selector.Name, selector.Field, cancellationToken).ConfigureAwait(false);
        return secret.Data?.GetValueOrDefault(selector.Key) is { } value
            ? value
            : throw Missing(store, $"{selector.Field}: Secret {ns}/{selector.Name} has no key \"{selector.Key}\"");
    }

    /// <summary>The value under the selector's key as text, surrounding whitespace (a trailing newline) removed.</summary>
    public async Task<string> ReadTextAsync(StoreContext store, SecretKeySelector selector, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(await ReadAsync(store, selector, cancellationToken).ConfigureAwait(false)).Trim();
        return text.Length > 0 ? text : throw Missing(store, $"{selector.Field}: key \"{selector.Key}\" of Secret {NamespaceFor(store, selector.Namespace, selector.Field)}/{selector.Name} is empty");
    }

    /// <summary>Checks the Secret and key exist, for store validation.</summary>
    public async Task CheckAsync(StoreContext store, SecretKeySelector selector, CancellationToken cancellationToken) =>
        _ = await ReadAsync(store, selector, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A cloud store's validation once its block parsed: <see cref="StoreValidation.Referent"/>, with nothing checked, for
    /// referent auth (each ExternalSecret's namespace supplies the credentials); else every Secret <paramref name="auth"/>
    /// reads, then the provider's own <paramref name="further"/> checks, which throw a safe <see cref="SecretStoreException"/>.
    /// </summary>
    public async Task<StoreValidation> ValidateAuthAsync(StoreContext store, StoreAuth auth, Func<Task> further, CancellationToken cancellationToken)
    {
        if (auth.IsReferentIn(store))
        {
            return StoreValidation.Referent;
        }

        await CheckAsync(store, auth.Secrets, cancellationToken).ConfigureAwait(false);
        await further().ConfigureAwait(false);
        return StoreValidation.Valid;
    }

    /// <summary>Reads each of <paramref name="selectors"/> in turn: the first missing Secret or key throws.</summary>
    public async Task CheckAsync(StoreContext store, IEnumerable<SecretKeySelector> selectors, CancellationToken cancellationToken)
    {
        foreach (var selector in selectors)
        {
            await CheckAsync(store, selector, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The cache key of the service account's token, resolved for this store and ExternalSecret.</summary>
    public static ServiceAccountTokenKey TokenKey(StoreContext store, ServiceAccountSelector selector, long expirationSeconds) =>
        ServiceAccountTokenKey.For(NamespaceFor(store, selector.Namespace, selector.Field), selector.Name, selector.Audiences, expirationSeconds);

    /// <summary>A token for the service account through the TokenRequest API (cached until shortly before it expires).</summary>
    public async Task<string> ServiceAccountTokenAsync(StoreContext store, ServiceAccountSelector selector, long expirationSeconds, CancellationToken cancellationToken)
    {
        var key = TokenKey(store, selector, expirationSeconds);
        try
        {
            return await tokens.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            throw ApiFailure(store, selector.Field, $"ServiceAccount {key.Namespace}/{key.ServiceAccount}", "request a token for", "create on serviceaccounts/token", "TokenRequestFailed", ex);
        }
    }

    /// <summary>Drops the cached token so the next call requests a new one.</summary>
    private void InvalidateToken(StoreContext store, ServiceAccountSelector selector, long expirationSeconds) =>
        tokens.Invalidate(TokenKey(store, selector, expirationSeconds));

    /// <summary>A bearer token source for the service account, for a store that calls the API with it on every read.</summary>
    public IBearerTokenSource ServiceAccountBearer(StoreContext store, ServiceAccountSelector selector, long expirationSeconds) =>
        new ServiceAccountBearerSource(this, store, selector, expirationSeconds);

    /// <summary>
    /// The CA bundle from <c>caBundle</c> (base64 PEM) or <c>caProvider</c>, or null when neither is set (system roots,
    /// or the controller's own cluster CA where the store defaults to that cluster).
    /// </summary>
    public async Task<CaBundle?> ReadCaAsync(StoreContext store, StoreBlock block, CancellationToken cancellationToken)
    {
        var inline = block.String("caBundle");
        var provider = block.CaProvider("caProvider");
        if (inline is not null && provider is not null)
        {
            throw block.Invalid($"{block.Path}: set caBundle or caProvider, not both");
        }

        if (inline is not null)
        {
            string pem;
            try
            {
                pem = Encoding.UTF8.GetString(Convert.FromBase64String(inline));
            }
            catch (FormatException)
            {
                throw block.Invalid($"{block.Path}.caBundle is not base64 (it holds PEM certificates, base64-encoded)");
            }

            return Parse(block, pem, $"{block.Path}.caBundle");
        }

        if (provider is null)
        {
            return null;
        }

        if (store.IsClusterStore && provider.Namespace is null)
        {
            throw block.Invalid($"{provider.Field}.namespace is required in a ClusterSecretStore");
        }

        var ns = NamespaceFor(store, provider.Namespace, provider.Field);
        var key = provider.Key ?? "ca.crt";
        string? text;
        if (provider.IsSecret)
        {
            var secret = await GetSecretAsync(store, ns, provider.Name, provider.Field, cancellationToken).ConfigureAwait(false);
            text = secret.Data?.GetValueOrDefault(key) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
        }
        else
        {
            KubeConfigMap map;
            try
            {
                map = await reads.GetAsync($"configmaps/{ns}/{provider.Name}", ct => api.GetConfigMapAsync(ns, provider.Name, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex)
            {
                throw ApiFailure(store, provider.Field, $"ConfigMap {ns}/{provider.Name}", "read", "get on configmaps", "InvalidProviderConfig", ex);
            }

            text = map.Data?.GetValueOrDefault(key) ?? (map.BinaryData?.GetValueOrDefault(key) is { } binary ? Encoding.UTF8.GetString(binary) : null);
        }

        return text is null
            ? throw Missing(store, $"{provider.Field}: {(provider.IsSecret ? "Secret" : "ConfigMap")} {ns}/{provider.Name} has no key \"{key}\"")
            : Parse(block, text, provider.Field);
    }

    private static CaBundle Parse(StoreBlock block, string pem, string field)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            throw block.Invalid($"{field} is not a PEM certificate bundle");
        }

        return certificates.Count == 0 ? throw block.Invalid($"{field} holds no PEM certificate") : new CaBundle(pem, certificates);
    }

    private async Task<KubeSecret> GetSecretAsync(StoreContext store, string ns, string name, string field, CancellationToken cancellationToken)
    {
        try
        {
            return await reads.GetAsync($"secrets/{ns}/{name}", ct => api.GetSecretAsync(ns, name, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            throw ApiFailure(store, field, $"Secret {ns}/{name}", "read", "get on secrets", "InvalidProviderConfig", ex);
        }
    }

    /// <summary>
    /// The error for a failed API call on a store's reference: the store, the field, the object and the API's own words;
    /// a missing object is the store's configuration, never the ExternalSecret's "no such key" (NotFound).
    /// </summary>
    /// <param name="action">What the controller did to <paramref name="what"/>: <c>read</c>, <c>request a token for</c>.</param>
    /// <param name="grant">The ClusterRole rule that allows it, named when the API forbids the call.</param>
    /// <param name="reason">The event and condition reason.</param>
    public static SecretStoreException ApiFailure(
        StoreContext store, string field, string what, string action, string grant, string reason, KubernetesApiException ex)
    {
        var message = ex.Kind switch
        {
            KubernetesErrorKind.NotFound => $"{field}: {what} not found",
            KubernetesErrorKind.Forbidden => $"{field}: the controller may not {action} {what} ({KubernetesFailures.Cause(ex)}); its ClusterRole must grant {grant}",
            _ => $"{field}: cannot {action} {what}: {KubernetesFailures.Cause(ex)}",
        };
        var kind = ex.Kind == KubernetesErrorKind.NotFound ? FailureKind.InvalidConfiguration : KubernetesFailures.KindFor(ex);
        return new SecretStoreException(kind, $"{store}: {message}", ex) { Reason = reason };
    }

    private static SecretStoreException Missing(StoreContext store, string problem) =>
        new(FailureKind.InvalidConfiguration, $"{store}: {problem}") { Reason = "InvalidProviderConfig" };

    /// <summary>A service account's token from the cache on every call; a 401 drops it so the next call requests a new one.</summary>
    private sealed class ServiceAccountBearerSource(StoreReferenceReader reader, StoreContext store, ServiceAccountSelector selector, long expirationSeconds) : IBearerTokenSource
    {
        public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) =>
            await reader.ServiceAccountTokenAsync(store, selector, expirationSeconds, cancellationToken).ConfigureAwait(false);

        public bool Invalidate()
        {
            reader.InvalidateToken(store, selector, expirationSeconds);
            return true;
        }

        public override string ToString() => selector.ToString();
    }
}
