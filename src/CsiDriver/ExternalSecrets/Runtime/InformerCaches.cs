namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>
/// The runtime's informer caches by kind, for readers outside the runtime (reconcilers) that want to know whether an
/// object changed since they last fetched it, without a GET. A singleton the runtime fills as it builds its informers;
/// it breaks what would otherwise be a cycle (the runtime owns the reconcilers).
/// </summary>
internal sealed class InformerCaches
{
    private readonly ConcurrentDictionary<string, ObjectCache> _byKind = new(StringComparer.Ordinal);

    public void Add(ObjectCache cache) => _byKind[cache.Kind] = cache;

    /// <summary>The cached object's resourceVersion, or null when the kind is not watched, not yet synced, or the object is not there.</summary>
    public string? ResourceVersion(string kind, ObjectKey key) =>
        _byKind.TryGetValue(kind, out var cache) && cache.Synced ? cache.Get(key)?.ResourceVersion : null;
}
