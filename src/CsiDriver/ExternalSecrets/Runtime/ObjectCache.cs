namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>The listed-and-watched objects of one kind, by key; "synced" once the first list is in.</summary>
internal sealed class ObjectCache(string kind)
{
    private readonly ConcurrentDictionary<ObjectKey, CachedObject> _objects = new();
    private volatile bool _synced;

    public string Kind { get; } = kind;

    /// <summary>True once the first full list was stored; stays true across relists, as a client-go informer does.</summary>
    public bool Synced => _synced;

    public int Count => _objects.Count;

    public ICollection<CachedObject> Values => _objects.Values;

    public CachedObject? Get(ObjectKey key) => _objects.TryGetValue(key, out var obj) ? obj : null;

    /// <summary>Stores <paramref name="obj"/>; returns the change, or null when the resourceVersion is the one already held.</summary>
    public ObjectChange? Upsert(CachedObject obj)
    {
        CachedObject? old = null;
        _objects.AddOrUpdate(obj.Key, obj, (_, existing) =>
        {
            old = existing;
            return obj;
        });
        return old is not null && old.ResourceVersion == obj.ResourceVersion ? null : new ObjectChange(Kind, old, obj);
    }

    public ObjectChange Remove(CachedObject obj) =>
        new(Kind, _objects.TryRemove(obj.Key, out var old) ? old : obj, null);

    /// <summary>Replaces the contents with a fresh list; returns what changed, deletions missed while disconnected included.</summary>
    public List<ObjectChange> Replace(IEnumerable<CachedObject> listed)
    {
        var changes = new List<ObjectChange>();
        var seen = new HashSet<ObjectKey>();
        foreach (var obj in listed)
        {
            seen.Add(obj.Key);
            if (Upsert(obj) is { } change)
            {
                changes.Add(change);
            }
        }

        foreach (var gone in _objects.Values.Where(o => !seen.Contains(o.Key)).ToList())
        {
            changes.Add(Remove(gone));
        }

        _synced = true;
        return changes;
    }
}
