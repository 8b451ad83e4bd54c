using CsiDriver.Publishing;
using CsiDriver.ExternalSecrets.Stores.Vault;
using CsiDriver.Providers.Vault;

namespace CsiDriver.ExternalSecrets.Generators;

/// <summary>
/// One Vault lease a generator minted for one ExternalSecret entry, with the store connection that renews and revokes
/// it. Memory only; <see cref="ToString"/> never shows the lease id or the credential.
/// </summary>
internal sealed class GeneratedLease : VaultLeaseTerms
{
    public required VaultStoreClient Client { get; init; }

    /// <summary>The Vault path it was minted at, without a query (for logs).</summary>
    public required string Path { get; init; }

    /// <summary>"namespace/name entry" of the ExternalSecret (for logs).</summary>
    public required string Owner { get; init; }

    public override string ToString() => $"lease of {Path} for {Owner}, expiring {ExpiresAt:O}";
}

/// <summary>
/// The Vault leases of generated credentials, per ExternalSecret (uid): those its Secret holds, and those the sync in
/// progress minted. Held leases are renewed when due (<see cref="VaultLeasePolicy"/>, as the Vault provider renews its
/// volumes' leases); a sync that writes new values revokes the leases they replace, a failed sync revokes what it
/// minted, and a deleted ExternalSecret revokes all of its own. A revocation Vault refuses is logged and retried with
/// backoff (by a timer, and by any ExternalSecret's sync that finds it due) until the lease would have expired anyway,
/// so it never blocks a deletion.
/// </summary>
internal sealed partial class GeneratedLeases(TimeProvider time, ILogger<GeneratedLeases> logger) : IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, OwnerLeases> _owners = new(StringComparer.Ordinal);
    private readonly List<FailedRevocation> _failed = [];
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _retryTimer;

    /// <summary>Keeps the lease of a leased answer a generator just minted, as pending for <paramref name="call"/>'s sync.</summary>
    public void Track(GeneratorCall call, VaultStoreClient client, string path, VaultResponse response)
    {
        if (!response.IsLeased)
        {
            return;
        }

        var duration = TimeSpan.FromSeconds(response.LeaseDuration);
        var lease = new GeneratedLease
        {
            Client = client,
            LeaseId = response.LeaseId,
            Path = path.Split('?', 2)[0],
            Owner = $"ExternalSecret {call.Namespace}/{call.Name} {call.Entry}",
            IssuedDuration = duration,
            CurrentDuration = duration,
            ExpiresAt = time.GetUtcNow() + duration,
            Renewable = response.Renewable,
        };
        lock (_owners)
        {
            Owner(call.OwnerUid).Pending.Add(lease);
        }
    }

    /// <summary>When the earliest lease of <paramref name="ownerUid"/> wants renewing, or null when it holds none.</summary>
    public DateTimeOffset? RenewDue(string ownerUid)
    {
        lock (_owners)
        {
            return _owners.TryGetValue(ownerUid, out var owner)
                ? owner.Held.Concat(owner.Pending).Select(l => (DateTimeOffset?)VaultLeasePolicy.RenewAt(l.ExpiresAt, l.CurrentDuration)).Min()
                : null;
        }
    }

    /// <summary>
    /// Renews the held leases of <paramref name="ownerUid"/> that are due. False when one cannot be kept (not renewable,
    /// refused, or near its max TTL): the caller then syncs, which generates new credentials and revokes the old.
    /// </summary>
    public async Task<bool> KeepAsync(string ownerUid, CancellationToken cancellationToken)
    {
        await RetryDueAsync(cancellationToken).ConfigureAwait(false);
        List<GeneratedLease> held;
        lock (_owners)
        {
            held = _owners.TryGetValue(ownerUid, out var owner) ? [.. owner.Held] : [];
        }

        foreach (var lease in held)
        {
            if (!await KeepOneAsync(lease, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Ends the sync of <paramref name="ownerUid"/>. When its values were <paramref name="used"/> (written, or the sync
    /// succeeded), what it minted becomes what the ExternalSecret holds and the leases held before are revoked;
    /// otherwise what it minted is revoked and the held leases stay.
    /// </summary>
    public async Task SettleAsync(string ownerUid, bool used, CancellationToken cancellationToken)
    {
        await RetryDueAsync(cancellationToken).ConfigureAwait(false);
        List<GeneratedLease> revoke;
        lock (_owners)
        {
            if (!_owners.TryGetValue(ownerUid, out var owner))
            {
                return;
            }

            if (used)
            {
                revoke = owner.Held;
                owner.Held = owner.Pending;
            }
            else
            {
                revoke = owner.Pending;
            }

            owner.Pending = [];
            if (owner.Held.Count == 0)
            {
                _owners.Remove(ownerUid);
            }
        }

        await RevokeAsync(revoke, "replaced", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes every lease of a deleted ExternalSecret; failures are retried in the background, never thrown.</summary>
    public async Task RevokeAllAsync(string ownerUid, CancellationToken cancellationToken)
    {
        await RetryDueAsync(cancellationToken).ConfigureAwait(false);
        List<GeneratedLease> revoke;
        lock (_owners)
        {
            if (!_owners.Remove(ownerUid, out var owner))
            {
                return;
            }

            revoke = [.. owner.Held, .. owner.Pending];
        }

        await RevokeAsync(revoke, "deleted", cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        lock (_failed)
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
        }

        _stopping.Dispose();
    }

    private OwnerLeases Owner(string uid)
    {
        if (!_owners.TryGetValue(uid, out var owner))
        {
            owner = new OwnerLeases();
            _owners[uid] = owner;
        }

        return owner;
    }

    private async Task<bool> KeepOneAsync(GeneratedLease lease, CancellationToken cancellationToken)
    {
        var remaining = lease.ExpiresAt - time.GetUtcNow();
        if (VaultLeasePolicy.IsFresh(remaining, lease.CurrentDuration))
        {
            return true;
        }

        if (!lease.Renewable || remaining <= VaultLeasePolicy.MinimumRemaining)
        {
            Log.LeaseReplaced(logger, lease.Path, lease.Owner, lease.Renewable ? "the lease is about to expire" : "the lease is not renewable");
            return false;
        }

        VaultResponse renewed;
        try
        {
            renewed = await lease.Client.RenewLeaseAsync(lease.LeaseId, (long)lease.IssuedDuration.TotalSeconds, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex)
        {
            Log.RenewFailed(logger, lease.Path, lease.Owner, VaultErrors.Redact(ex.Message, [lease.LeaseId]));
            return false;
        }

        var granted = TimeSpan.FromSeconds(renewed.LeaseDuration);
        if (!VaultLeasePolicy.IsUsefulRenewal(granted, lease.IssuedDuration))
        {
            Log.LeaseReplaced(logger, lease.Path, lease.Owner, $"the lease reached its maximum TTL (renewal granted {renewed.LeaseDuration}s)");
            return false;
        }

        lease.CurrentDuration = granted;
        lease.ExpiresAt = time.GetUtcNow() + granted;
        lease.Renewable = renewed.Renewable;
        Log.Renewed(logger, lease.Path, lease.Owner, renewed.LeaseDuration);
        return true;
    }

    private async Task RevokeAsync(List<GeneratedLease> leases, string why, CancellationToken cancellationToken)
    {
        foreach (var lease in leases)
        {
            if (!await TryRevokeAsync(lease, why, cancellationToken).ConfigureAwait(false))
            {
                Retry(new FailedRevocation(lease, why, 1));
            }
        }
    }

    private async Task<bool> TryRevokeAsync(GeneratedLease lease, string why, CancellationToken cancellationToken)
    {
        try
        {
            await lease.Client.RevokeLeaseAsync(lease.LeaseId, cancellationToken).ConfigureAwait(false);
            Log.Revoked(logger, lease.Path, lease.Owner, why);
            return true;
        }
        catch (SecretStoreException ex)
        {
            Log.RevokeFailed(logger, lease.Path, lease.Owner, VaultErrors.Redact(ex.Message, [lease.LeaseId]));
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Retry(FailedRevocation failed)
    {
        var now = time.GetUtcNow();
        if (failed.Lease.ExpiresAt <= now)
        {
            Log.RevokeAbandoned(logger, failed.Lease.Path, failed.Lease.Owner);
            return;
        }

        var backoff = FirstRetry * Math.Pow(2, Math.Min(failed.Attempts - 1, 10));
        var at = now + (backoff < LongestRetry ? backoff : LongestRetry);
        lock (_failed)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _failed.Add(failed with { NextAt = at });
            ScheduleLocked(now);
        }
    }

    private void ScheduleLocked(DateTimeOffset now)
    {
        if (_failed.Count == 0)
        {
            return;
        }

        var due = _failed.Min(f => f.NextAt) - now;
        var delay = due > TimeSpan.Zero ? due : TimeSpan.Zero;
        if (_retryTimer is null)
        {
            _retryTimer = time.CreateTimer(_ => _ = RetryInBackgroundAsync(), null, delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _retryTimer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RetryInBackgroundAsync()
    {
        CancellationToken stopping;
        lock (_failed)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            stopping = _stopping.Token;
        }

        await RetryDueAsync(stopping).ConfigureAwait(false);
        lock (_failed)
        {
            if (!_stopping.IsCancellationRequested)
            {
                ScheduleLocked(time.GetUtcNow());
            }
        }
    }

    private async Task RetryDueAsync(CancellationToken cancellationToken)
    {
        List<FailedRevocation> due;
        var now = time.GetUtcNow();
        lock (_failed)
        {
            if (_failed.Count == 0)
            {
                return;
            }

            due = _failed.Where(f => f.NextAt <= now).ToList();
            _failed.RemoveAll(f => f.NextAt <= now);
        }

        foreach (var failed in due)
        {
            if (!await TryRevokeAsync(failed.Lease, failed.Why, cancellationToken).ConfigureAwait(false))
            {
                Retry(failed with { Attempts = failed.Attempts + 1 });
            }
        }
    }

    private sealed class OwnerLeases
    {
        public List<GeneratedLease> Held { get; set; } = [];

        public List<GeneratedLease> Pending { get; set; } = [];
    }

    private sealed record FailedRevocation(GeneratedLease Lease, string Why, int Attempts)
    {
        public DateTimeOffset NextAt { get; init; }
    }

    private static partial class Log
    {
        [LoggerMessage(1380, LogLevel.Information, "Renewed the lease of generated {Path} for {Owner}: {TtlSeconds}s more")]
        public static partial void Renewed(ILogger logger, string path, string owner, long ttlSeconds);

        [LoggerMessage(1381, LogLevel.Warning, "Renewing the lease of generated {Path} for {Owner} failed ({Problem}); the next sync generates new credentials")]
        public static partial void RenewFailed(ILogger logger, string path, string owner, string problem);

        [LoggerMessage(1382, LogLevel.Information, "The lease of generated {Path} for {Owner} cannot be kept ({Why}); the next sync generates new credentials")]
        public static partial void LeaseReplaced(ILogger logger, string path, string owner, string why);

        [LoggerMessage(1383, LogLevel.Information, "Revoked the lease of generated {Path} for {Owner} ({Why})")]
        public static partial void Revoked(ILogger logger, string path, string owner, string why);

        [LoggerMessage(1384, LogLevel.Warning, "Revoking the lease of generated {Path} for {Owner} failed ({Problem}); retrying later")]
        public static partial void RevokeFailed(ILogger logger, string path, string owner, string problem);

        [LoggerMessage(1385, LogLevel.Warning, "Gave up revoking the lease of generated {Path} for {Owner}: it has expired on its own")]
        public static partial void RevokeAbandoned(ILogger logger, string path, string owner);
    }
}
