namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>
/// Objects as a reconciler last read them from the API server, handed back while the informer still holds the same
/// resourceVersion: reconciling an unchanged object then costs no GET, as a read through controller-runtime's cached
/// client does. The informer keeps only metadata; this keeps the whole object, for the kinds that ask for it.
/// </summary>
internal sealed class LastRead<T>(InformerCaches informers, Func<T, string?> resourceVersion)
    where T : class
{
    private readonly ConcurrentDictionary<(string Kind, ObjectKey Key), T> _read = new();

    /// <summary>The object as last read, when the informer is synced and has seen no change to it since; otherwise null.</summary>
    public T? Unchanged(string kind, ObjectKey key) =>
        informers.ResourceVersion(kind, key) is { } watched && _read.TryGetValue((kind, key), out var known) && resourceVersion(known) == watched ? known : null;

    /// <summary>Keeps what a GET returned; an object the GET did not find is forgotten.</summary>
    public void Remember(string kind, ObjectKey key, T? read)
    {
        if (read is null)
        {
            _read.TryRemove((kind, key), out _);
        }
        else
        {
            _read[(kind, key)] = read;
        }
    }
}
