namespace CsiDriver.Providers.Vault;

/// <summary>
/// Gets one Vault request's answer for one volume with as few calls as Vault allows:
/// a pinned KV v2 version (<see cref="VaultRequestKey.PinnedVersion"/>) the volume already has comes from memory;
/// a lease the volume holds is reused or renewed (<see cref="VaultLeaseManager"/>); in a rotation pass a
/// GET/LIST read is shared by every volume reading it with the same identity (<see cref="IFetchScope"/>),
/// except a leased answer, which belongs to the volume that read it. Writes (POST/PUT: PKI issue and the
/// like) are never shared: each volume gets its own certificate.
/// Failures are raw (<see cref="VaultApiException"/>, <see cref="VaultLoginFailedException"/>): the caller
/// names its own class.
/// </summary>
internal sealed class VaultReader(VaultLeaseManager leases, VersionedValueCache values, ILogger logger)
{
    /// <summary>Takes every lease a volume holds (for revocation at unpublish).</summary>
    public List<(VaultLeaseKey Key, VaultLease Lease)> TakeVolume(string targetPath) => leases.TakeVolume(targetPath);

    /// <param name="volumeHasPinned">True when every object of the volume made from this request already has the pinned version.</param>
    public async Task<VaultResponse> ReadAsync(VaultClient client, VaultSession session, VaultSettings settings, ProviderRequest request, VaultRequestKey key, Func<string, bool> volumeHasPinned, CancellationToken cancellationToken)
    {
        var pinned = key.PinnedVersion;
        var cacheKey = new FetchKey("vault", session.ShareIdentity, Describe(key));
        if (pinned is not null && volumeHasPinned(pinned) && values.TryGet(cacheKey, pinned, out var kept))
        {
            VaultLog.PinnedVersionFromMemory(logger, pinned, key.SecretPath, request.TargetPath);
            return VaultResponse.Parse(kept);
        }

        var leaseKey = new VaultLeaseKey(session.Identity, client.Address.ToString(), settings.Namespace, key, request.TargetPath);
        if (await leases.TryReuseAsync(leaseKey, client, session, cancellationToken).ConfigureAwait(false) is { } held)
        {
            return held;
        }

        var response = await FreshAsync(client, session, request, key, cacheKey, cancellationToken).ConfigureAwait(false);
        if (response.IsLeased)
        {
            leases.Remember(leaseKey, response, session, settings.Tls);
        }
        else if (pinned is not null && response.KvVersion == pinned)
        {
            values.Put(cacheKey, pinned, response.ToBytes());
        }

        return response;
    }

    /// <summary>What a request is, for sharing and keeping: method, path with query, and body.</summary>
    private static string Describe(VaultRequestKey key) =>
        key.ArgsJson is null ? $"{key.Method} {key.SecretPath}" : $"{key.Method} {key.SecretPath} {key.ArgsJson}";

    private static string Operation(VaultRequestKey key) => $"{key.Method} {key.SecretPath}";

    private async Task<VaultResponse> FreshAsync(VaultClient client, VaultSession session, ProviderRequest request, VaultRequestKey key, FetchKey shareKey, CancellationToken cancellationToken)
    {
        if (request.FetchScope is { } scope && key.Method is "GET" or "LIST")
        {
            var target = request.TargetPath;
            var shared = await scope.GetOrAddAsync(shareKey, ct => SharedReadAsync(client, session, key, target, ct)).ConfigureAwait(false);
            if (!shared.Response.IsLeased || shared.ReadFor == target)
            {
                return shared.Response;
            }

            // Dynamic credentials are per volume: one volume's lease is never handed to another.
            VaultLog.LeasedReadNotShared(logger, key.SecretPath, target);
        }

        return await session.CallAsync(t => client.ReadAsync(key, t, cancellationToken), Operation(key), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The read the pass shares: raw answer or raw failure, with the reading volume's token and JWT cut out.</summary>
    private static async Task<SharedRead> SharedReadAsync(VaultClient client, VaultSession session, VaultRequestKey key, string target, CancellationToken cancellationToken)
    {
        try
        {
            var response = await session.CallAsync(t => client.ReadAsync(key, t, cancellationToken), Operation(key), cancellationToken).ConfigureAwait(false);
            return new SharedRead(response, target);
        }
        catch (VaultApiException ex)
        {
            throw ex.Redacted(session.Sensitive);
        }
    }

    /// <summary>One pass's answer to a read, and the volume it was read for (which alone may keep a lease in it).</summary>
    private sealed record SharedRead(VaultResponse Response, string ReadFor)
    {
        public override string ToString() => $"{Response} read for {ReadFor}";
    }
}
