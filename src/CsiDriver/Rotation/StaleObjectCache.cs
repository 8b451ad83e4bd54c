using CsiDriver.Providers;
using CsiDriver.Publishing;

namespace CsiDriver.Rotation;

/// <summary>
/// The <c>staleIfError</c> cache: the last objects fetched, served to a NEW publish when the backend cannot be
/// reached and the class opts in. Only classes that set <c>spec.rotation.staleIfError</c> are cached, keyed by
/// (class namespace/name, provider, identity = pod namespace + service account + the token audiences, and the
/// fetch parameters), so a pod is only ever served what a pod with the same identity read through the same
/// class. Memory only, never disk; bounded by entries and bytes (least recently stored go first) and
/// entries older than their class's window are dropped.
/// </summary>
internal sealed class StaleObjectCache(RotationOptions options, ILogger<StaleObjectCache> logger)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _bytes;
    private long _stored;

    /// <summary>Keeps a successful result if the class opts in (a no-op otherwise).</summary>
    public void Remember(ProviderRequest request, ProviderResult result, DateTimeOffset now)
    {
        if (request.Class.Rotation.StaleIfError is not { } window || window <= TimeSpan.Zero)
        {
            return;
        }

        var size = result.Files.Sum(f => (long)f.Contents.Length + f.Path.Length);
        if (size > options.StaleCacheMaxBytes)
        {
            return;
        }

        // Copied: the provider's buffers may be shared or reused.
        var copy = new ProviderResult(
            result.Files.Select(f => new SecretFile(f.Path, f.Contents.ToArray(), f.Mode)).ToList(),
            result.Versions.ToList());
        var key = KeyOf(request);
        lock (_entries)
        {
            RemoveLocked(key);
            EvictLocked(now);
            _entries[key] = new Entry(copy, now, window, size, ++_stored);
            _bytes += size;
            while (_entries.Count > options.StaleCacheMaxEntries || _bytes > options.StaleCacheMaxBytes)
            {
                RemoveLocked(_entries.MinBy(e => e.Value.Stored).Key); // The least recently stored.
            }
        }
    }

    /// <summary>A cached result for the same identity, younger than the class's window; null if none.</summary>
    public StaleResult? TryServe(ProviderRequest request, SecretStoreException failure, DateTimeOffset now)
    {
        if (request.Class.Rotation.StaleIfError is not { } window || window <= TimeSpan.Zero)
        {
            return null;
        }

        var key = KeyOf(request);
        lock (_entries)
        {
            EvictLocked(now);
            var age = _entries.TryGetValue(key, out var entry) ? now - entry.FetchedAt : TimeSpan.MaxValue;
            if (age > window)
            {
                return null;
            }

            RotationLog.StaleServed(logger, request.Class.Description, age.TotalSeconds, Identity(request), window.TotalSeconds);
            return new StaleResult(entry!.Result, age);
        }
    }

    /// <summary>Who fetched: never the token itself, only what the backend authorises.</summary>
    internal static string Identity(ProviderRequest request) =>
        $"{request.Pod.Namespace}/{request.Pod.ServiceAccountName} [{string.Join(",", request.Pod.Tokens.Audiences.Order(StringComparer.Ordinal))}]";

    private static string KeyOf(ProviderRequest request)
    {
        // Attributes decide what is fetched; kubelet's per-pod attributes (pod name, uid) do not.
        var attributes = request.Attributes.Where(a => !a.Key.StartsWith("csi.storage.k8s.io/", StringComparison.Ordinal)).OrderBy(a => a.Key, StringComparer.Ordinal);

        // nodePublishSecretRef data is an identity too (e.g. static credentials): hashed, never kept.
        var secrets = request.Secrets.OrderBy(a => a.Key, StringComparer.Ordinal).Select(s => KeyValuePair.Create("secret:" + s.Key, s.Value));
        var text = string.Concat(attributes.Concat(secrets).Select(p => $"{p.Key}\0{p.Value}\0"));
        var parameters = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return $"{request.Class.Namespace}/{request.Class.Name}\n{request.Class.Provider}\n{Identity(request)}\n{parameters}";
    }

    private void EvictLocked(DateTimeOffset now)
    {
        // Windows differ per class, so every entry is checked (the cache is small and bounded).
        foreach (var stale in _entries.Where(e => now - e.Value.FetchedAt > e.Value.Window).Select(e => e.Key).ToList())
        {
            RemoveLocked(stale);
        }
    }

    private void RemoveLocked(string key)
    {
        if (_entries.Remove(key, out var entry))
        {
            _bytes -= entry.Size;
        }
    }

    private sealed record Entry(ProviderResult Result, DateTimeOffset FetchedAt, TimeSpan Window, long Size, long Stored);
}

/// <summary>Objects served from the <c>staleIfError</c> cache, and how old they are.</summary>
internal sealed record StaleResult(ProviderResult Result, TimeSpan Age);
