namespace CsiDriver.Providers.Vault;

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

/// <summary>Leased Vault responses by volume, so rotation polls reuse credentials instead of minting new ones.</summary>
internal sealed class VaultLeaseCache(TimeProvider time)
{
    private readonly ConcurrentDictionary<VaultLeaseKey, VaultLease> _leases = new();

    public VaultLease? Get(VaultLeaseKey key) => _leases.TryGetValue(key, out var lease) ? lease : null;

    public void Set(VaultLeaseKey key, VaultLease lease)
    {
        _leases[key] = lease;
        var now = time.GetUtcNow();
        foreach (var (staleKey, stale) in _leases)
        {
            if (stale.ExpiresAt <= now)
            {
                _leases.TryRemove(new KeyValuePair<VaultLeaseKey, VaultLease>(staleKey, stale));
            }
        }
    }

    public void Remove(VaultLeaseKey key) => _leases.TryRemove(key, out _);

    /// <summary>Takes every lease a volume holds out of the cache (for revocation at unpublish).</summary>
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
}
