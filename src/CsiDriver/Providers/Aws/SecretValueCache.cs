namespace CsiDriver.Providers.Aws;

/// <summary>
/// The last value read per (identity, region, secret), kept in memory only (never on disk) so a
/// rotation pass whose DescribeSecret shows an unchanged version needs no GetSecretValue. Bounded
/// by total bytes; the least recently used entries go first.
/// </summary>
internal sealed class SecretValueCache
{
    private readonly long _maxBytes;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _recency = new();
    private long _bytes;

    public SecretValueCache(long maxBytes)
    {
        _maxBytes = maxBytes;
    }

    public bool TryGet(string identity, string region, string secretId, string versionId, out byte[] value, out bool isString)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(Key(identity, region, secretId), out var entry) && entry.VersionId == versionId)
            {
                _recency.Remove(entry.Node);
                _recency.AddFirst(entry.Node);
                value = entry.Value;
                isString = entry.IsString;
                return true;
            }
        }

        value = [];
        isString = false;
        return false;
    }

    public void Put(string identity, string region, string secretId, string versionId, byte[] value, bool isString)
    {
        if (value.Length > _maxBytes)
        {
            return;
        }

        var key = Key(identity, region, secretId);
        lock (_entries)
        {
            if (_entries.Remove(key, out var old))
            {
                _recency.Remove(old.Node);
                _bytes -= old.Value.Length;
            }

            var node = _recency.AddFirst(key);
            _entries[key] = new Entry(versionId, value, isString, node);
            _bytes += value.Length;
            while (_bytes > _maxBytes && _recency.Last is { } last)
            {
                _recency.RemoveLast();
                if (_entries.Remove(last.Value, out var evicted))
                {
                    _bytes -= evicted.Value.Length;
                }
            }
        }
    }

    private static string Key(string identity, string region, string secretId) => $"{identity}\n{region}\n{secretId}";

    private sealed record Entry(string VersionId, byte[] Value, bool IsString, LinkedListNode<string> Node);
}
