using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;

namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>A store an ExternalSecret points at (<c>spec.secretStoreRef</c> or a <c>sourceRef.storeRef</c>).</summary>
internal readonly record struct StoreReference(string Kind, string Name);

/// <summary>
/// What the controller's cache keeps of one watched object: metadata that decides whether a change matters,
/// plus the few spec fields event routing needs (an ExternalSecret's target name and store references, a
/// store's Ready status). Never any Secret data.
/// </summary>
internal sealed record CachedObject(
    ObjectKey Key,
    string ResourceVersion,
    long Generation,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyList<string> Finalizers,
    string? DeletionTimestamp,
    string? TargetName,
    IReadOnlyList<StoreReference> StoreReferences,
    string? ReadyStatus)
{
    private static readonly Dictionary<string, string> NoStrings = [];

    /// <summary>Reads the cached fields; <paramref name="clusterScoped"/> drops any namespace from the key.</summary>
    public static CachedObject From(WatchedObject obj, string kind, bool clusterScoped)
    {
        var meta = obj.Metadata ?? new WatchedMetadata();
        var name = meta.Name ?? string.Empty;
        string? target = null;
        IReadOnlyList<StoreReference> stores = [];
        if (kind == ControllerResources.ExternalSecretKind)
        {
            target = obj.Spec?.Target?.Name is { Length: > 0 } t ? t : name;
            stores = StoreReferencesOf(obj.Spec);
        }

        return new CachedObject(
            new ObjectKey(clusterScoped ? null : meta.Namespace, name),
            meta.ResourceVersion ?? string.Empty,
            meta.Generation ?? 0,
            meta.Labels is { Count: > 0 } labels ? labels : NoStrings,
            meta.Annotations is { Count: > 0 } annotations ? annotations : NoStrings,
            meta.Finalizers is { Count: > 0 } finalizers ? finalizers : [],
            meta.DeletionTimestamp,
            target,
            stores,
            ReadyOf(obj.Status));
    }

    /// <summary>True when a change to the object is one its reconciler must see (status-only updates are not).</summary>
    public static bool MetadataOrSpecChanged(CachedObject old, CachedObject current) =>
        old.Generation != current.Generation
        || old.DeletionTimestamp != current.DeletionTimestamp
        || !SameMap(old.Labels, current.Labels)
        || !SameMap(old.Annotations, current.Annotations)
        || !old.Finalizers.SequenceEqual(current.Finalizers, StringComparer.Ordinal);

    private static IReadOnlyList<StoreReference> StoreReferencesOf(WatchedSpec? spec)
    {
        var refs = new List<StoreReference>();
        Add(spec?.SecretStoreRef);
        foreach (var entry in (spec?.Data ?? []).Concat(spec?.DataFrom ?? []))
        {
            Add(entry.SourceRef?.StoreRef);
        }

        return refs.Count == 0 ? [] : refs.Distinct().ToArray();

        void Add(StoreRef? reference)
        {
            if (reference?.Name is { Length: > 0 } storeName)
            {
                refs.Add(new StoreReference(reference.Kind is { Length: > 0 } k ? k : ControllerResources.SecretStoreKind, storeName));
            }
        }
    }

    /// <summary>The status of the <c>Ready</c> condition, if the status has one.</summary>
    private static string? ReadyOf(JsonElement? status)
    {
        if (status is not { ValueKind: JsonValueKind.Object } s || !s.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var condition in conditions.EnumerateArray())
        {
            if (condition.ValueKind == JsonValueKind.Object
                && condition.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "Ready"
                && condition.TryGetProperty("status", out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }
        }

        return null;
    }

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}

/// <summary>A change the informer saw: <see cref="Old"/> is null when added, <see cref="New"/> is null when deleted.</summary>
internal sealed record ObjectChange(string Kind, CachedObject? Old, CachedObject? New)
{
    public ObjectKey Key => (New ?? Old)!.Key;
}
