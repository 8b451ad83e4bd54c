using System.Text.Json.Nodes;
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
    public static CachedObject From(JsonObject obj, string kind, bool clusterScoped)
    {
        var meta = obj["metadata"] as JsonObject ?? [];
        var name = Text(meta["name"]) ?? string.Empty;
        var ns = clusterScoped ? null : Text(meta["namespace"]);
        var spec = obj["spec"] as JsonObject;
        string? target = null;
        IReadOnlyList<StoreReference> stores = [];
        if (kind == ControllerResources.ExternalSecretKind)
        {
            target = Text(spec?["target"]?["name"]) is { Length: > 0 } t ? t : name;
            stores = StoreReferencesOf(spec);
        }

        return new CachedObject(
            new ObjectKey(ns, name),
            Text(meta["resourceVersion"]) ?? string.Empty,
            meta["generation"] is JsonValue g && g.TryGetValue<long>(out var generation) ? generation : 0,
            Strings(meta["labels"]),
            Strings(meta["annotations"]),
            meta["finalizers"] is JsonArray f ? f.Select(Text).OfType<string>().ToArray() : [],
            Text(meta["deletionTimestamp"]),
            target,
            stores,
            ReadyOf(obj["status"]));
    }

    /// <summary>True when a change to the object is one its reconciler must see (status-only updates are not).</summary>
    public static bool MetadataOrSpecChanged(CachedObject old, CachedObject current) =>
        old.Generation != current.Generation
        || old.DeletionTimestamp != current.DeletionTimestamp
        || !SameMap(old.Labels, current.Labels)
        || !SameMap(old.Annotations, current.Annotations)
        || !old.Finalizers.SequenceEqual(current.Finalizers, StringComparer.Ordinal);

    private static IReadOnlyList<StoreReference> StoreReferencesOf(JsonObject? spec)
    {
        var refs = new List<StoreReference>();
        Add(spec?["secretStoreRef"]);
        foreach (var list in new[] { spec?["data"], spec?["dataFrom"] })
        {
            if (list is JsonArray items)
            {
                foreach (var item in items)
                {
                    Add(item?["sourceRef"]?["storeRef"]);
                }
            }
        }

        return refs.Distinct().ToArray();

        void Add(JsonNode? reference)
        {
            if (Text(reference?["name"]) is { Length: > 0 } storeName)
            {
                var kind = Text(reference?["kind"]) is { Length: > 0 } k ? k : ControllerResources.SecretStoreKind;
                refs.Add(new StoreReference(kind, storeName));
            }
        }
    }

    private static string? ReadyOf(JsonNode? status) =>
        status?["conditions"] is JsonArray conditions
            ? conditions.Where(c => Text(c?["type"]) == "Ready").Select(c => Text(c?["status"])).FirstOrDefault()
            : null;

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private static IReadOnlyDictionary<string, string> Strings(JsonNode? node) =>
        node is JsonObject map && map.Count > 0
            ? map.Where(p => Text(p.Value) is not null).ToDictionary(p => p.Key, p => Text(p.Value)!, StringComparer.Ordinal)
            : NoStrings;

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

/// <summary>A change the informer saw: <see cref="Old"/> is null when added, <see cref="New"/> is null when deleted.</summary>
internal sealed record ObjectChange(string Kind, CachedObject? Old, CachedObject? New)
{
    public ObjectKey Key => (New ?? Old)!.Key;
}
