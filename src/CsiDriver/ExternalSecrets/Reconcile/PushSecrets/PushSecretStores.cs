using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Stores;

namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>
/// The stores a PushSecret's <c>secretStoreRefs</c> name: by name, or every store of the kind whose labels match
/// <c>labelSelector</c> (SecretStores in the PushSecret's namespace). Stores being deleted and stores of another
/// controller class are left out, as the External Secrets Operator does.
/// </summary>
internal sealed class PushSecretStores(ExternalSecretsKubeApi api, StoreResolver resolver)
{
    /// <summary>The status key of a store: <c>"&lt;Kind&gt;/&lt;name&gt;"</c>.</summary>
    public static string StatusKey(LoadedStore store) => $"{store.Kind}/{store.Name}";

    /// <summary>The stores to push to, each once, in the order the references name them.</summary>
    /// <exception cref="SyncException">A store named by name does not exist, or a reference names neither name nor labelSelector.</exception>
    public async Task<IReadOnlyList<LoadedStore>> ResolveAsync(PushSecret ps, StoreResolver.Session session, CancellationToken cancellationToken)
    {
        var ns = ps.Metadata.Namespace ?? string.Empty;
        var stores = new List<LoadedStore>();
        foreach (var reference in ps.Spec.SecretStoreRefs ?? [])
        {
            var kind = string.IsNullOrEmpty(reference.Kind) ? StoreContext.SecretStoreKind : reference.Kind;
            if (kind is not (StoreContext.SecretStoreKind or StoreContext.ClusterSecretStoreKind))
            {
                throw new SyncException($"store kind \"{kind}\" is not supported") { Retry = false };
            }

            if (reference.LabelSelector is { } selector)
            {
                var listed = await api.ListAsync(EsoCollection.Stores(kind == StoreContext.ClusterSecretStoreKind), ns, cancellationToken).ConfigureAwait(false);
                stores.AddRange(listed.Select(raw => LoadedStore.Parse(kind, raw))
                    .Where(s => LabelSelectors.Matches(selector, s.Resource.Metadata.Labels ?? []))
                    .OrderBy(s => s.Name, StringComparer.Ordinal));
            }
            else if (!string.IsNullOrEmpty(reference.Name))
            {
                stores.Add(await session.LoadAsync(new StoreRef { Name = reference.Name, Kind = kind }, cancellationToken).ConfigureAwait(false)
                    ?? throw new SyncException($"could not get {kind} \"{reference.Name}\", not found"));
            }
            else
            {
                throw new SyncException("a secretStoreRefs entry needs name or labelSelector") { Retry = false };
            }
        }

        return stores
            .Where(s => s.Resource.Metadata.DeletionTimestamp is null && resolver.IsOurs(s.Resource))
            .DistinctBy(StatusKey, StringComparer.Ordinal)
            .ToList();
    }
}
