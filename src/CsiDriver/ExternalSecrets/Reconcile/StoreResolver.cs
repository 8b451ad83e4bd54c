using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>A store as read from the API: the typed view, its provider key and block.</summary>
internal sealed record LoadedStore(string Kind, SecretStoreResource Resource, JsonObject Raw)
{
    public string Name => Resource.Metadata.Name ?? string.Empty;

    public string Description => $"{Kind} \"{Name}\"";

    /// <summary>The one key under <c>spec.provider</c>, or null when there is not exactly one.</summary>
    public string? ProviderKey => Resource.Spec.Provider is { Count: 1 } provider ? provider.First().Key : null;

    public bool IsReady => Resource.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public StoreContext Context(string referenceNamespace) => new(
        Kind,
        Name,
        Resource.Metadata.Uid ?? string.Empty,
        Resource.Metadata.Generation ?? 0,
        ProviderKey ?? string.Empty,
        Resource.Spec.Provider?[ProviderKey ?? string.Empty] as JsonObject ?? [],
        referenceNamespace);

    public static LoadedStore Parse(string kind, JsonObject raw) =>
        new(kind, raw.Deserialize(EsoJsonContext.Default.SecretStoreResource) ?? new SecretStoreResource(), raw);
}

/// <summary>
/// Resolves an ExternalSecret's store references for one reconcile (eso.md 3.5): reads each store once, checks its
/// controller class, a ClusterSecretStore's namespace conditions and the flood gate, and connects one client per store.
/// </summary>
internal sealed class StoreResolver(ExternalSecretsKubeApi api, IEnumerable<IStoreProvider> providers, ExternalSecretsReconcileOptions options, InformerCaches informers)
{
    private readonly ExternalSecretsKubeApi _api = api;
    private readonly ExternalSecretsReconcileOptions _options = options;
    private readonly IReadOnlyDictionary<string, IStoreProvider> _providers = providers.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    // Thousands of ExternalSecrets on one store cost one GET per store change, not one per reconcile.
    private readonly LastRead<LoadedStore> _fetched = new(informers, store => store.Resource.Metadata.ResourceVersion);

    /// <summary>The provider registered for a <c>spec.provider</c> key, if any.</summary>
    public IStoreProvider? Provider(string? key) => key is not null && _providers.TryGetValue(key, out var provider) ? provider : null;

    /// <summary>
    /// A per-reconcile session: stores and clients are looked up once each. With <paramref name="readStoresNow"/> (a user
    /// asked for this sync), stores are read from the API server even when the informer has not yet seen their change:
    /// a store edited just before a force-sync must not be served from the cache the sync was meant to bypass.
    /// </summary>
    public Session Begin(string esNamespace, bool readStoresNow) => new(this, esNamespace, readStoresNow);

    /// <summary>True when a store's <c>controller</c> class is empty or ours.</summary>
    public bool IsOurs(SecretStoreResource store) => string.IsNullOrEmpty(store.Spec.Controller) || store.Spec.Controller == _options.ControllerClass;

    /// <summary>Stores and clients of one reconcile.</summary>
    internal sealed class Session(StoreResolver resolver, string @namespace, bool readStoresNow)
    {
        private readonly Dictionary<(string Kind, string Name), LoadedStore?> _stores = [];
        private readonly Dictionary<(string Kind, string Name), (StoreContext, IStoreClient)> _clients = [];

        public static (string Kind, string Name) Normalize(StoreRef? storeRef) =>
            (string.IsNullOrEmpty(storeRef?.Kind) ? StoreContext.SecretStoreKind : storeRef.Kind, storeRef?.Name ?? string.Empty);

        /// <summary>The store, or null when it does not exist.</summary>
        public async Task<LoadedStore?> LoadAsync(StoreRef? storeRef, CancellationToken cancellationToken)
        {
            var key = Normalize(storeRef);
            if (_stores.TryGetValue(key, out var cached))
            {
                return cached;
            }

            var cluster = key.Kind == StoreContext.ClusterSecretStoreKind;
            if (!cluster && key.Kind != StoreContext.SecretStoreKind)
            {
                throw new SyncException($"store kind \"{key.Kind}\" is not supported");
            }

            var objectKey = new ObjectKey(cluster ? null : @namespace, key.Name);
            if (!readStoresNow && resolver._fetched.Unchanged(key.Kind, objectKey) is { } known)
            {
                _stores[key] = known;
                return known;
            }

            var raw = await resolver._api.GetAsync(EsoCollection.Stores(cluster), @namespace, key.Name, cancellationToken).ConfigureAwait(false);
            var store = raw is null ? null : LoadedStore.Parse(key.Kind, raw);
            resolver._fetched.Remember(key.Kind, objectKey, store);
            _stores[key] = store;
            return store;
        }

        /// <summary>A client for the store, after every check that guards its use.</summary>
        public async Task<(StoreContext Store, IStoreClient Client)> ConnectAsync(StoreRef? storeRef, CancellationToken cancellationToken)
        {
            var key = Normalize(storeRef);
            if (_clients.TryGetValue(key, out var client))
            {
                return client;
            }

            if (string.IsNullOrEmpty(key.Name))
            {
                throw new SyncException("no store is referenced: set spec.secretStoreRef or a sourceRef.storeRef");
            }

            var store = await LoadAsync(storeRef, cancellationToken).ConfigureAwait(false)
                ?? throw new SyncException($"could not get {key.Kind} \"{key.Name}\", not found");
            if (!resolver.IsOurs(store.Resource))
            {
                throw new SyncException("can not reference unmanaged store");
            }

            if (key.Kind == StoreContext.ClusterSecretStoreKind && !await NamespaceAllowedAsync(store, cancellationToken).ConfigureAwait(false))
            {
                throw new SyncException($"using cluster store \"{key.Name}\" is not allowed from namespace \"{@namespace}\": denied by spec.condition");
            }

            if (resolver._options.EnableFloodGate && !store.IsReady)
            {
                throw new SyncException($"{store.Description} is not ready");
            }

            var provider = resolver.Provider(store.ProviderKey)
                ?? throw new SyncException($"{store.Description}: provider \"{store.ProviderKey ?? "(none)"}\" is not supported by this controller");
            var context = store.Context(@namespace);
            try
            {
                client = (context, await provider.ConnectAsync(context, cancellationToken).ConfigureAwait(false));
            }
            catch (SecretStoreException ex)
            {
                throw new SyncException($"{store.Description}: {ex.Message}");
            }

            _clients[key] = client;
            return client;
        }

        private async Task<bool> NamespaceAllowedAsync(LoadedStore store, CancellationToken cancellationToken)
        {
            var conditions = store.Resource.Spec.Conditions;
            if (conditions is null || conditions.Count == 0)
            {
                return true;
            }

            Dictionary<string, string>? labels = null;
            foreach (var condition in conditions)
            {
                if (condition.Namespaces?.Contains(@namespace, StringComparer.Ordinal) == true)
                {
                    return true;
                }

                foreach (var pattern in condition.NamespaceRegexes ?? [])
                {
                    try
                    {
                        if (Regex.IsMatch(@namespace, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                        {
                            return true;
                        }
                    }
                    catch (ArgumentException)
                    {
                        // A pattern that does not compile matches nothing (the webhook rejects it anyway).
                    }
                }

                if (condition.NamespaceSelector is { } selector)
                {
                    if (labels is null)
                    {
                        var ns = await resolver._api.GetNamespaceAsync(@namespace, cancellationToken).ConfigureAwait(false);
                        labels = ns?.Metadata.Labels ?? [];
                        labels.TryAdd("kubernetes.io/metadata.name", @namespace);
                    }

                    if (LabelSelectors.Matches(selector, labels))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}

/// <summary>Evaluates a <c>metav1.LabelSelector</c> against a label set.</summary>
internal static class LabelSelectors
{
    public static bool Matches(LabelSelector selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in selector.MatchLabels ?? [])
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var key = requirement.Key ?? string.Empty;
            var has = labels.TryGetValue(key, out var actual);
            var values = requirement.Values ?? [];
            var ok = requirement.Operator switch
            {
                "In" => has && values.Contains(actual!, StringComparer.Ordinal),
                "NotIn" => !has || !values.Contains(actual!, StringComparer.Ordinal),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
