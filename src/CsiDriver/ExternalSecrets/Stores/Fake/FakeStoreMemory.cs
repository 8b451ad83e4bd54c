namespace CsiDriver.ExternalSecrets.Stores.Fake;

/// <summary>
/// What PushSecrets wrote to <c>fake</c> stores, in memory per store (by uid), as the External Secrets Operator's fake
/// provider keeps them. Lost on restart; a pushed key shadows a static <c>data[]</c> entry of the same key and no version.
/// </summary>
internal sealed class FakeStoreMemory
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _stores = new(StringComparer.Ordinal);

    public string? Get(StoreContext store, string key) =>
        _stores.TryGetValue(Id(store), out var values) && values.TryGetValue(key, out var value) ? value : null;

    public void Set(StoreContext store, string key, string value) =>
        _stores.GetOrAdd(Id(store), _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal))[key] = value;

    public void Remove(StoreContext store, string key)
    {
        if (_stores.TryGetValue(Id(store), out var values))
        {
            values.TryRemove(key, out _);
        }
    }

    // The uid tells apart a store deleted and created again under the same name; the kind and name keep ids readable.
    private static string Id(StoreContext store) => $"{store.Kind}/{store.Name}/{store.Uid}";
}
