namespace CsiDriver.Providers.Vault;

/// <summary>
/// Reads a secret for a volume, reusing a leased answer (database credentials, leased certificates)
/// while it is fresh: past two thirds of its TTL the lease is renewed for the TTL it was issued with;
/// new credentials are issued only when renewal fails, the lease is not renewable, or Vault can no
/// longer extend it by a useful amount (its max TTL is near). Leases are per volume, never shared between
/// volumes; non-leased answers are not kept here.
/// </summary>
internal sealed class VaultLeaseManager(TimeProvider time, ILogger logger)
{
    private readonly ConcurrentDictionary<VaultLeaseKey, VaultLease> _leases = new();

    /// <summary>Takes every lease a volume holds (for revocation at unpublish).</summary>
    public List<(VaultLeaseKey Key, VaultLease Lease)> TakeVolume(string targetPath)
    {
        var taken = new List<(VaultLeaseKey, VaultLease)>();
        foreach (var key in _leases.Keys.Where(k => k.TargetPath == targetPath).ToList())
        {
            if (_leases.TryRemove(key, out var lease))
            {
                taken.Add((key, lease));
            }
        }

        return taken;
    }

    /// <summary>
    /// The volume's lease for <paramref name="key"/> while it is fresh, renewed in place past two thirds of its
    /// TTL; null when new credentials are needed (none held, renewal failed or not useful).
    /// </summary>
    public async Task<VaultResponse?> TryReuseAsync(VaultLeaseKey key, VaultClient client, VaultSession session, CancellationToken cancellationToken)
    {
        if (!_leases.TryGetValue(key, out var lease))
        {
            return null;
        }

        var path = key.Request.SecretPath;
        var remaining = lease.ExpiresAt - time.GetUtcNow();
        if (VaultLeasePolicy.IsFresh(remaining, lease.CurrentDuration))
        {
            VaultLog.LeaseReused(logger, path, key.TargetPath, lease.ExpiresAt);
            return lease.Response;
        }

        var why = await TryRenewAsync(key, lease, remaining, client, session, cancellationToken).ConfigureAwait(false);
        if (why is null)
        {
            return lease.Response;
        }

        _leases.TryRemove(key, out _);
        VaultLog.LeaseReissued(logger, path, key.TargetPath, why);
        return null;
    }

    /// <summary>Keeps a leased answer for the volume in <paramref name="key"/>, to reuse, renew and revoke; other answers are ignored.</summary>
    public void Remember(VaultLeaseKey key, VaultResponse response, VaultSession session, VaultTlsSettings tls)
    {
        if (!response.IsLeased || response.Data is null || session.Token is not { } token)
        {
            return;
        }

        var duration = TimeSpan.FromSeconds(response.LeaseDuration);
        var now = time.GetUtcNow();
        _leases[key] = new VaultLease
        {
            Response = response,
            LeaseId = response.LeaseId,
            IssuedDuration = duration,
            CurrentDuration = duration,
            ExpiresAt = now + duration,
            Renewable = response.Renewable,
            Tls = tls,
            Token = token,
        };

        // Leases of volumes that stopped rotating would otherwise stay until unpublish.
        foreach (var stale in _leases.Where(pair => pair.Value.ExpiresAt <= now))
        {
            _leases.TryRemove(stale);
        }
    }

    /// <summary>Renews in place; returns null on success, else why new credentials are needed.</summary>
    private async Task<string?> TryRenewAsync(VaultLeaseKey key, VaultLease lease, TimeSpan remaining, VaultClient client, VaultSession session, CancellationToken cancellationToken)
    {
        if (!lease.Renewable)
        {
            return "the lease is not renewable and is near its end";
        }

        if (remaining <= VaultLeasePolicy.MinimumRemaining)
        {
            return "the lease is about to expire";
        }

        var increment = (long)lease.IssuedDuration.TotalSeconds;
        VaultResponse renewed;
        try
        {
            renewed = await session.CallAsync(t => client.RenewLeaseAsync(lease.LeaseId, increment, t, cancellationToken), "PUT /v1/sys/leases/renew", cancellationToken).ConfigureAwait(false);
        }
        catch (VaultApiException ex)
        {
            VaultLog.LeaseRenewFailed(logger, key.Request.SecretPath, key.TargetPath, VaultErrors.Redact(ex.Message, session.Sensitive));
            return "renewal failed";
        }

        var granted = TimeSpan.FromSeconds(renewed.LeaseDuration);
        if (!VaultLeasePolicy.IsUsefulRenewal(granted, lease.IssuedDuration))
        {
            return $"the lease reached its maximum TTL (renewal granted {renewed.LeaseDuration}s)";
        }

        lease.CurrentDuration = granted;
        lease.ExpiresAt = time.GetUtcNow() + granted;
        lease.Renewable = renewed.Renewable;
        lease.Token = session.Token ?? lease.Token;
        VaultLog.LeaseRenewed(logger, key.Request.SecretPath, key.TargetPath, renewed.LeaseDuration);
        return null;
    }
}

/// <summary>One dynamic secret of one volume: who read it, where, and for which target.</summary>
internal sealed record VaultLeaseKey(string Identity, string Address, string? Namespace, VaultRequestKey Request, string TargetPath);

/// <summary>
/// A leased response kept for reuse, plus what is needed to renew or revoke it later.
/// Memory only; <see cref="ToString"/> never shows the data or the token.
/// </summary>
internal sealed class VaultLease : VaultLeaseTerms
{
    public required VaultResponse Response { get; init; }

    /// <summary>Revocation needs a Vault connection after the pod's JWT is gone: these are it.</summary>
    public required VaultTlsSettings Tls { get; init; }

    public required string Token { get; set; }

    public override string ToString() => $"lease expiring {ExpiresAt:O}";
}
