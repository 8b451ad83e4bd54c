using CsiDriver.ExternalSecrets.Kubernetes;

namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>
/// Turns cache changes into work-queue keys, as the External Secrets Operator's watches do:
/// <list type="bullet">
/// <item>an ExternalSecret added or deleted, or updated in generation, labels, annotations, finalizers or
/// deletionTimestamp (status-only updates are ignored) → its key;</item>
/// <item>a PushSecret or ClusterPushSecret changing the same way → its key;</item>
/// <item>a managed Secret changing → every ExternalSecret in its namespace whose target name is the Secret's;</item>
/// <item>a SecretStore or ClusterSecretStore changing the same way → its own key, and, when it appeared, went,
/// changed spec or Ready status, every ExternalSecret that references it (so one waiting for its store retries).</item>
/// <item>a ClusterExternalSecret changing the same way → its key; a Namespace added, deleted or relabelled, or an
/// ExternalSecret deleted → every ClusterExternalSecret (they are few, and each re-evaluates its namespaces).</item>
/// </list>
/// A kind without a queue (no reconciler registered) is routed nowhere.
/// </summary>
internal sealed class EventRouter(IReadOnlyDictionary<string, WorkQueue> queues)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Target), HashSet<ObjectKey>> _byTarget = [];
    private readonly Dictionary<StoreReference, HashSet<ObjectKey>> _byClusterStore = [];
    private readonly Dictionary<(string Namespace, string Store), HashSet<ObjectKey>> _byStore = [];
    private readonly HashSet<ObjectKey> _clusterExternalSecrets = [];

    public void OnChange(ObjectChange change)
    {
        switch (change.Kind)
        {
            case ControllerResources.ExternalSecretKind:
                Index(change.Old, add: false);
                Index(change.New, add: true);
                if (change.Old is null || change.New is null || CachedObject.MetadataOrSpecChanged(change.Old, change.New))
                {
                    Enqueue(change.Kind, change.Key);
                }

                if (change.New is null)
                {
                    // It may have been stamped out by a ClusterExternalSecret, which recreates it.
                    EnqueueAllClusterExternalSecrets();
                }

                break;

            case ControllerResources.ClusterExternalSecretKind:
                lock (_gate)
                {
                    if (change.New is null)
                    {
                        _clusterExternalSecrets.Remove(change.Key);
                    }
                    else
                    {
                        _clusterExternalSecrets.Add(change.Key);
                    }
                }

                if (change.Old is null || change.New is null || CachedObject.MetadataOrSpecChanged(change.Old, change.New))
                {
                    Enqueue(change.Kind, change.Key);
                }

                break;

            case ControllerResources.NamespaceKind:
                if (change.Old is null || change.New is null || CachedObject.MetadataOrSpecChanged(change.Old, change.New))
                {
                    EnqueueAllClusterExternalSecrets();
                }

                break;

            case ControllerResources.PushSecretKind:
            case ControllerResources.ClusterPushSecretKind:
                if (change.Old is null || change.New is null || CachedObject.MetadataOrSpecChanged(change.Old, change.New))
                {
                    Enqueue(change.Kind, change.Key);
                }

                break;

            case ControllerResources.SecretKind:
                if (change.Old?.ResourceVersion != change.New?.ResourceVersion && change.Key.Namespace is { } ns)
                {
                    EnqueueAll(Lookup(_byTarget, (ns, change.Key.Name)));
                }

                break;

            case ControllerResources.SecretStoreKind:
            case ControllerResources.ClusterSecretStoreKind:
                if (change.Old is null || change.New is null || CachedObject.MetadataOrSpecChanged(change.Old, change.New))
                {
                    Enqueue(change.Kind, change.Key);
                }

                if (change.Old is null || change.New is null || change.Old.Generation != change.New.Generation || change.Old.ReadyStatus != change.New.ReadyStatus)
                {
                    EnqueueAll(change.Kind == ControllerResources.ClusterSecretStoreKind
                        ? Lookup(_byClusterStore, new StoreReference(change.Kind, change.Key.Name))
                        : Lookup(_byStore, (change.Key.Namespace ?? string.Empty, change.Key.Name)));
                }

                break;
        }
    }

    private void Index(CachedObject? es, bool add)
    {
        if (es?.Key.Namespace is not { } ns)
        {
            return;
        }

        lock (_gate)
        {
            Update(_byTarget, (ns, es.TargetName ?? es.Key.Name), es.Key, add);
            foreach (var store in es.StoreReferences)
            {
                if (store.Kind == ControllerResources.ClusterSecretStoreKind)
                {
                    Update(_byClusterStore, store, es.Key, add);
                }
                else
                {
                    Update(_byStore, (ns, store.Name), es.Key, add);
                }
            }
        }
    }

    private static void Update<TIndex>(Dictionary<TIndex, HashSet<ObjectKey>> index, TIndex at, ObjectKey key, bool add)
        where TIndex : notnull
    {
        if (add)
        {
            if (!index.TryGetValue(at, out var keys))
            {
                index[at] = keys = [];
            }

            keys.Add(key);
        }
        else if (index.TryGetValue(at, out var keys) && keys.Remove(key) && keys.Count == 0)
        {
            index.Remove(at);
        }
    }

    private ObjectKey[] Lookup<TIndex>(Dictionary<TIndex, HashSet<ObjectKey>> index, TIndex at)
        where TIndex : notnull
    {
        lock (_gate)
        {
            return index.TryGetValue(at, out var keys) ? [.. keys] : [];
        }
    }

    private void EnqueueAll(ObjectKey[] externalSecrets)
    {
        foreach (var key in externalSecrets)
        {
            Enqueue(ControllerResources.ExternalSecretKind, key);
        }
    }

    private void EnqueueAllClusterExternalSecrets()
    {
        ObjectKey[] keys;
        lock (_gate)
        {
            keys = [.. _clusterExternalSecrets];
        }

        foreach (var key in keys)
        {
            Enqueue(ControllerResources.ClusterExternalSecretKind, key);
        }
    }

    private void Enqueue(string kind, ObjectKey key)
    {
        if (queues.TryGetValue(kind, out var queue))
        {
            queue.Add(key);
        }
    }
}
