namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>Where one value lives in a store: an ExternalSecret's <c>remoteRef</c>, or the body of <c>dataFrom[].extract</c>.</summary>
/// <param name="Key">The provider key or path (<c>remoteRef.key</c>).</param>
/// <param name="Property">One field of a structured value (<c>remoteRef.property</c>), or null for the whole value.</param>
/// <param name="Version">The provider's version selector (<c>remoteRef.version</c>), or null for the current one.</param>
/// <param name="FetchMetadata"><c>metadataPolicy: Fetch</c>: the provider's metadata instead of the value.</param>
internal sealed record RemoteRef(string Key, string? Property = null, string? Version = null, bool FetchMetadata = false)
{
    public override string ToString() => Property is null ? Key : $"{Key} (property {Property})";
}

/// <summary>
/// A <c>SecretStore</c> or <c>ClusterSecretStore</c> as one ExternalSecret sees it: the provider block as written and
/// the namespace its references resolve in. Carries no credential.
/// </summary>
/// <param name="Kind"><c>SecretStore</c> or <c>ClusterSecretStore</c>.</param>
/// <param name="Name">The store's <c>metadata.name</c>.</param>
/// <param name="Uid">The store's <c>metadata.uid</c>; with <paramref name="Generation"/> it identifies the store's spec.</param>
/// <param name="Generation">The store's <c>metadata.generation</c>.</param>
/// <param name="ProviderKey">The one key under <c>spec.provider</c>: <c>fake</c>, <c>kubernetes</c>, <c>vault</c>, ...</param>
/// <param name="Provider">The object under <c>spec.provider.&lt;key&gt;</c>, as written.</param>
/// <param name="ReferenceNamespace">
/// The namespace of the ExternalSecret being reconciled. A SecretStore's references are always read there; a
/// ClusterSecretStore's references are read in their own <c>namespace</c>, or there when they name none (referent auth).
/// </param>
internal sealed record StoreContext(string Kind, string Name, string Uid, long Generation, string ProviderKey, JsonObject Provider, string ReferenceNamespace)
{
    public const string SecretStoreKind = "SecretStore";
    public const string ClusterSecretStoreKind = "ClusterSecretStore";

    public bool IsClusterStore => Kind == ClusterSecretStoreKind;

    /// <summary>The namespace a Secret or ServiceAccount reference resolves in (eso.md section 4.3).</summary>
    public string NamespaceFor(string? referenceNamespace) =>
        IsClusterStore && !string.IsNullOrEmpty(referenceNamespace) ? referenceNamespace : ReferenceNamespace;

    /// <summary>How the store is named in messages and events.</summary>
    public string Description => $"{Kind} \"{Name}\"";

    public override string ToString() => $"{Description} ({ProviderKey})";
}

/// <summary>A connection to one store for one ExternalSecret namespace, as returned by <see cref="IStoreProvider.ConnectAsync"/>.</summary>
internal interface IStoreClient
{
    /// <summary>
    /// Who this client reads as (backend address plus the principal: a role, a service account, a token Secret's name),
    /// never a credential. Clients with equal identities read equal values, so reads are shared across ExternalSecrets
    /// by (identity, <see cref="RemoteRef"/>).
    /// </summary>
    string Identity { get; }

    /// <summary>One value, for a <c>data[]</c> entry.</summary>
    /// <exception cref="Publishing.SecretStoreException">
    /// <see cref="Publishing.FailureKind.NotFound"/> when the key (or its property, or its version) does not exist: the
    /// External Secrets Operator's NoSecretError, which deletion policies treat specially. Other kinds for other failures.
    /// Messages name the store and the key, never a value or a credential.
    /// </exception>
    Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken);

    /// <summary>
    /// Many keys from one value, for <c>dataFrom[].extract</c>: the value parsed as a JSON object and split into its
    /// top-level fields (strings unquoted, any other value as its raw JSON text). Errors as <see cref="GetSecretAsync"/>.
    /// </summary>
    Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken);

    /// <summary>
    /// Every secret that matches <paramref name="query"/>, for <c>dataFrom[].find</c>: keys are the provider's secret
    /// names (before any rewrite or key conversion), values the secrets' current values. More than
    /// <see cref="FindQuery.MaxKeys"/> matches is an error (<see cref="Publishing.FailureKind.TooLarge"/>), never a
    /// silent truncation. Stores without a listing API keep this default.
    /// </summary>
    Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken) =>
        throw new Publishing.SecretStoreException(Publishing.FailureKind.InvalidConfiguration, "this store does not support dataFrom[].find");
}

/// <summary>
/// A <c>dataFrom[].find</c> as a store sees it: at least one of the three criteria is set, and a secret matches when it
/// meets all that are set.
/// </summary>
/// <param name="NameRegexp"><c>find.name.regexp</c>: a Go (RE2) regular expression the secret's name must match.</param>
/// <param name="Tags"><c>find.tags</c>: every pair must be on the secret (tags, labels or custom metadata, per backend).</param>
/// <param name="Path"><c>find.path</c>: the root path (Vault) or name prefix the search starts from.</param>
/// <param name="MaxKeys">The most secrets one find may return (the controller's flag); more is an error.</param>
internal sealed record FindQuery(string? NameRegexp, IReadOnlyDictionary<string, string>? Tags, string? Path, int MaxKeys);

/// <summary>Where a PushSecret writes one value: <c>remoteRef.remoteKey</c>, and <c>remoteRef.property</c> when it names one field of a structured secret.</summary>
/// <param name="RemoteKey">The provider key or path.</param>
/// <param name="Property">One field of a JSON object secret, or null for the whole value.</param>
/// <param name="Metadata">The entry's free-form <c>metadata</c> (provider-specific), or null.</param>
internal sealed record PushRef(string RemoteKey, string? Property = null, JsonNode? Metadata = null)
{
    public override string ToString() => Property is null ? RemoteKey : $"{RemoteKey} (property {Property})";
}

/// <summary>The mark PushSecret writers put on what they create, as the External Secrets Operator does: <c>managed-by: external-secrets</c>.</summary>
internal static class ManagedMark
{
    public const string Key = "managed-by";
    public const string Value = "external-secrets";
}

/// <summary>
/// The write side of a store, for PushSecret (eso.md section 7). A store client that can be pushed to implements it
/// beside <see cref="IStoreClient"/>. Writers mark what they create as managed by the controller (a tag, label or custom
/// metadata, as the External Secrets Operator does) and refuse to overwrite or delete a remote secret without that mark.
/// </summary>
internal interface IStoreWriter
{
    /// <summary>Whether <paramref name="target"/> exists (for <c>updatePolicy: IfNotExists</c>); with a property, whether that field exists.</summary>
    Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="target"/> unless the store already holds exactly that value.
    /// Returns whether a write was made.
    /// </summary>
    /// <exception cref="Publishing.SecretStoreException">
    /// <see cref="Publishing.FailureKind.Conflict"/> when the remote secret exists and is not marked as managed by the
    /// controller; other kinds for backend failures. Messages never carry the value.
    /// </exception>
    Task<bool> PushAsync(PushRef target, byte[] value, CancellationToken cancellationToken);

    /// <summary>Removes what a push wrote: the property alone when <see cref="PushRef.Property"/> is set, else the secret. Missing is not an error.</summary>
    Task DeleteAsync(PushRef target, CancellationToken cancellationToken);
}

/// <summary>One key of <c>spec.provider</c> (<c>fake</c>, <c>kubernetes</c>, <c>vault</c>, ...): checks a store's block and connects to it.</summary>
internal interface IStoreProvider
{
    /// <summary>The <c>spec.provider</c> key this provider serves.</summary>
    string Key { get; }

    /// <summary>
    /// A client for <paramref name="store"/>. Cheap: it reads referenced Secrets and service accounts as needed but makes
    /// no backend call; logins happen at the first read and their tokens are cached per identity.
    /// </summary>
    /// <exception cref="Publishing.SecretStoreException">
    /// <see cref="Publishing.FailureKind.InvalidConfiguration"/> for a malformed block or a missing reference; other kinds
    /// for failures reading references. Messages never carry a secret value.
    /// </exception>
    Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken);

    /// <summary>Checks the store for its <c>Ready</c> condition (eso.md section 5). Never throws for a bad store: it reports it.</summary>
    Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken);
}

/// <summary>The outcome of validating a store, as the External Secrets Operator's <c>ValidationResult</c>.</summary>
internal enum StoreValidationResult
{
    Ready,
    Unknown,
    Error,
}

/// <summary>A store validation: the result and, when it failed or is unknown, a safe reason.</summary>
internal sealed record StoreValidation(StoreValidationResult Result, string? Error = null)
{
    public static StoreValidation Valid { get; } = new(StoreValidationResult.Ready);

    /// <summary>Referent auth: each ExternalSecret's namespace supplies the credentials, so there is nothing to check here.</summary>
    public static StoreValidation Referent { get; } = new(StoreValidationResult.Unknown);

    /// <summary>Runs <paramref name="validate"/>; a <see cref="Publishing.SecretStoreException"/> (a safe text) is the store's Error.</summary>
    public static async Task<StoreValidation> ReportingAsync(Func<Task<StoreValidation>> validate)
    {
        try
        {
            return await validate().ConfigureAwait(false);
        }
        catch (Publishing.SecretStoreException ex)
        {
            return new StoreValidation(StoreValidationResult.Error, ex.Message);
        }
    }
}
