namespace CsiDriver.Providers.Vault;

/// <summary>
/// Reads a secret for a volume, reusing a leased answer (database credentials, leased certificates)
/// while it is fresh: past two thirds of its TTL the lease is renewed for the TTL it was issued with;
/// new credentials are issued only when renewal fails, the lease is not renewable, or Vault can no
/// longer extend it by a useful amount (its max TTL is near). Leases are per volume, never shared between
/// volumes; non-leased answers are not kept here.
/// </summary>
internal sealed class VaultLeaseManager(VaultLeaseCache cache, TimeProvider time, ILogger logger)
{
    public List<(VaultLeaseKey Key, VaultLease Lease)> TakeVolume(string targetPath) => cache.TakeVolume(targetPath);

    /// <summary>
    /// The volume's lease for <paramref name="key"/> while it is fresh, renewed in place past two thirds of its
    /// TTL; null when new credentials are needed (none held, renewal failed or not useful).
    /// </summary>
    public async Task<VaultResponse?> TryReuseAsync(VaultLeaseKey key, VaultClient client, VaultSession session, CancellationToken cancellationToken)
    {
        if (cache.Get(key) is not { } lease)
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

        cache.Remove(key);
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
        cache.Set(key, new VaultLease
        {
            Response = response,
            LeaseId = response.LeaseId,
            IssuedDuration = duration,
            CurrentDuration = duration,
            ExpiresAt = time.GetUtcNow() + duration,
            Renewable = response.Renewable,
            Tls = tls,
            Token = token,
        });
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
