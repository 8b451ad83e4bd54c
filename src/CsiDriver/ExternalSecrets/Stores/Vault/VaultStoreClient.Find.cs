using CsiDriver.Providers.Vault;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>
/// <c>dataFrom[].find</c> on a vault store, as the External Secrets Operator does it: a recursive LIST under the store's
/// mount (KV v2: its <c>metadata/</c> tree) from <c>find.path</c>, names matched by the regexp, tags matched against KV v2
/// <c>custom_metadata</c> (KV v1 has none, so tags there are an error), then one read per match. Names are the paths
/// below the mount (<c>app/db</c>); the reconciler's key conversion turns their slashes into underscores.
/// </summary>
internal sealed partial class VaultStoreClient
{
    public async Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken)
    {
        if (!_config.KvV2 && query.Tags is { Count: > 0 })
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: find by tags needs a KV v2 store (KV v1 has no custom metadata)");
        }

        if (_config.MountPath is null)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: find needs the store's path (the KV mount) to list from");
        }

        var matcher = FindMatcher.Create(query, _store.ToString());
        var root = query.Path is { Length: > 0 } path ? path.Trim('/') + "/" : string.Empty;
        var candidates = new List<string>();
        await ListAsync(root, top: true, matcher, candidates, cancellationToken).ConfigureAwait(false);

        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in candidates)
        {
            if (matcher.HasTags && !matcher.MatchesTags(await CustomMetadataAsync(name, cancellationToken).ConfigureAwait(false)))
            {
                continue;
            }

            byte[] value;
            try
            {
                value = await GetSecretAsync(new RemoteRef(name), cancellationToken).ConfigureAwait(false);
            }
            catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
            {
                // Listed but deleted since (or only soft-deleted versions left): the operator skips it too.
                continue;
            }

            matcher.Add(result, name, value);
        }

        return result;
    }

    /// <summary>Collects the secret names under <paramref name="prefix"/> whose names match, descending into folders.</summary>
    private async Task ListAsync(string prefix, bool top, FindMatcher matcher, List<string> names, CancellationToken cancellationToken)
    {
        var listPath = _config.KvV2 ? $"{_config.MountPath}/metadata/{prefix}" : $"{_config.MountPath}/{prefix}";
        var where = new RemoteRef(prefix.Length == 0 ? "/" : prefix);
        VaultResponse response;
        try
        {
            response = await CallAsync(where, new VaultRequestKey(listPath, "LIST", null), cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound && !top)
        {
            // A folder emptied between two LISTs.
            return;
        }

        if (response.Data is not { ValueKind: JsonValueKind.Object } data
            || !data.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var key in keys.EnumerateArray())
        {
            if (key.ValueKind != JsonValueKind.String || key.GetString() is not { Length: > 0 } entry)
            {
                continue;
            }

            var full = prefix + entry;
            if (entry.EndsWith('/'))
            {
                await ListAsync(full, top: false, matcher, names, cancellationToken).ConfigureAwait(false);
            }
            else if (matcher.MatchesName(full))
            {
                names.Add(full);

                // Tags may still filter these out, but without tags the cap is known before any value is read.
                if (!matcher.HasTags)
                {
                    matcher.ThrowIfOver(names.Count);
                }
            }
        }
    }

    private async Task<IReadOnlyDictionary<string, string>?> CustomMetadataAsync(string name, CancellationToken cancellationToken)
    {
        var response = await CallAsync(new RemoteRef(name), VaultKvPath.Metadata(_config.MountPath, name), cancellationToken).ConfigureAwait(false);
        if (response.Data is not { ValueKind: JsonValueKind.Object } metadata
            || !metadata.TryGetProperty("custom_metadata", out var custom) || custom.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in custom.EnumerateObject())
        {
            if (field.Value.ValueKind == JsonValueKind.String)
            {
                tags[field.Name] = field.Value.GetString()!;
            }
        }

        return tags;
    }
}
