namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// When each ExternalSecret was last refreshed without anything to write. A refresh that finds the Secret already in
/// step with the store is recorded here instead of in <c>status.refreshTime</c>, so a steady-state refresh costs the
/// backend read (shared) and no API write. <c>status.refreshTime</c> then says when the Secret or the status last
/// changed; after a restart the ledger is empty and refreshes fall back to it (spread by the queue's jitter).
/// </summary>
internal sealed class RefreshLedger
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _refreshed = new(StringComparer.Ordinal);

    /// <summary>The later of <paramref name="statusRefreshTime"/> and the last quiet refresh of <paramref name="uid"/>.</summary>
    public DateTimeOffset? LastRefresh(string? uid, DateTimeOffset? statusRefreshTime) =>
        uid is not null && _refreshed.TryGetValue(uid, out var quiet) && (statusRefreshTime is null || quiet > statusRefreshTime) ? quiet : statusRefreshTime;

    public void Record(string? uid, DateTimeOffset time)
    {
        if (uid is not null)
        {
            _refreshed[uid] = time;
        }
    }

    public void Forget(string? uid)
    {
        if (uid is not null)
        {
            _refreshed.TryRemove(uid, out _);
        }
    }
}
