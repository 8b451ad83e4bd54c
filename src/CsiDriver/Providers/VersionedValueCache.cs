namespace CsiDriver.Providers;

/// <summary>
/// The last value a provider read per <see cref="FetchKey"/> (who read which object), with the backend's version
/// of it, kept in memory only (never on disk) so a re-fetch that can prove the version is unchanged (a pinned,
/// immutable version, or a cheap metadata call) needs no value read. Bounded by total bytes; least recently used
/// entries go first. Serve from it only what the same identity already read: it never stands in for the
/// backend's authorisation of a new reader.
/// </summary>
public sealed class VersionedValueCache(long maxBytes)
{
    private readonly Dictionary<FetchKey, Entry> _entries = [];
    private readonly LinkedList<FetchKey> _recency = new();
    private long _bytes;

    /// <summary>The driver's one cache, shared by the providers.</summary>
    public const long DefaultMaxBytes = 64 * 1024 * 1024;

    /// <summary>The value last read for <paramref name="key"/>, if it was read at <paramref name="version"/>.</summary>
    public bool TryGet(FetchKey key, string version, out byte[] value)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Version == version)
            {
                _recency.Remove(entry.Node);
                _recency.AddFirst(entry.Node);
                value = entry.Value;
                return true;
            }
        }

        value = [];
        return false;
    }

    /// <summary>Remembers <paramref name="value"/> as <paramref name="key"/> at <paramref name="version"/>, replacing any older version.</summary>
    public void Put(FetchKey key, string version, byte[] value)
    {
        if (value.Length > maxBytes)
        {
            return;
        }

        lock (_entries)
        {
            if (_entries.Remove(key, out var old))
            {
                _recency.Remove(old.Node);
                _bytes -= old.Value.Length;
            }

            var node = _recency.AddFirst(key);
            _entries[key] = new Entry(version, value, node);
            _bytes += value.Length;
            while (_bytes > maxBytes && _recency.Last is { } last)
            {
                _recency.RemoveLast();
                if (_entries.Remove(last.Value, out var evicted))
                {
                    _bytes -= evicted.Value.Length;
                }
            }
        }
    }

    private sealed record Entry(string Version, byte[] Value, LinkedListNode<FetchKey> Node);
}
