using CsiDriver.Providers.Vault;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>
/// The vault store's write side, for PushSecret, as the External Secrets Operator's Vault provider does it:
/// KV v2 marks a secret it writes with <c>custom_metadata</c> <c>managed-by: external-secrets</c> (written to the
/// metadata path, then the data with no check-and-set); KV v1 keeps the same map as a <c>custom_metadata</c> field of
/// the secret itself. A secret that exists without that mark is never overwritten (<see cref="FailureKind.Conflict"/>)
/// and never deleted. A property push merges that one field into the existing object; a whole-value push needs a JSON
/// object. Nothing is written when Vault already holds the same data.
/// </summary>
internal sealed partial class VaultStoreClient : IStoreWriter
{
    public const string ManagedByKey = ManagedMark.Key;
    public const string ManagedByValue = ManagedMark.Value;
    private const string CustomMetadata = "custom_metadata";

    public async Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken)
    {
        var data = await ReadForWriteAsync(target, cancellationToken).ConfigureAwait(false);
        return data is not null && (target.Property is null || data.ContainsKey(target.Property));
    }

    public async Task<bool> PushAsync(PushRef target, byte[] value, CancellationToken cancellationToken)
    {
        var current = await ReadForWriteAsync(target, cancellationToken).ConfigureAwait(false);
        if (current is not null && !await IsManagedAsync(target, current, cancellationToken).ConfigureAwait(false))
        {
            throw new SecretStoreException(FailureKind.Conflict, $"{_store}: Vault secret \"{target.RemoteKey}\" exists and is not managed by external-secrets (no custom_metadata {ManagedByKey}={ManagedByValue}); it is left untouched");
        }

        current?.Remove(CustomMetadata);
        JsonObject next;
        if (target.Property is { } property)
        {
            var text = Encoding.UTF8.GetString(value);
            if (current?[property] is JsonValue existing && existing.TryGetValue<string>(out var same) && same == text)
            {
                return false;
            }

            next = current ?? [];
            next[property] = text;
        }
        else
        {
            next = StoreValues.TryParseObject(value) ?? throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: the value pushed to Vault secret \"{target.RemoteKey}\" is not a JSON object; push the whole Secret (empty secretKey) or set remoteRef.property");
            if (current is not null && JsonNode.DeepEquals(current, next))
            {
                return false;
            }
        }

        await WriteDataAsync(target, next, markManaged: true, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task DeleteAsync(PushRef target, CancellationToken cancellationToken)
    {
        var current = await ReadForWriteAsync(target, cancellationToken).ConfigureAwait(false);
        if (current is null || !await IsManagedAsync(target, current, cancellationToken).ConfigureAwait(false))
        {
            // Gone already, or someone else's: nothing of ours to delete.
            return;
        }

        current.Remove(CustomMetadata);
        if (target.Property is { } property)
        {
            if (!current.Remove(property))
            {
                return;
            }

            if (current.Count > 0)
            {
                await WriteDataAsync(target, current, markManaged: false, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        // KV v2: deleting the metadata removes every version; KV v1 has only the one path.
        var path = _config.KvV2 ? VaultKvPath.Metadata(_config.MountPath, target.RemoteKey) : VaultKvPath.Data(_config.MountPath, target.RemoteKey, kvV2: false);
        await WriteCallAsync(target, new VaultRequestKey(path, "DELETE", null), "delete", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The secret's data as an object (KV v1: with its custom_metadata field), or null when it does not exist.</summary>
    private async Task<JsonObject?> ReadForWriteAsync(PushRef target, CancellationToken cancellationToken)
    {
        var remoteRef = new RemoteRef(target.RemoteKey);
        try
        {
            var response = await CallAsync(remoteRef, VaultKvPath.Data(_config.MountPath, target.RemoteKey, _config.KvV2), cancellationToken).ConfigureAwait(false);
            var data = response.Data;
            if (_config.KvV2 && data is { ValueKind: JsonValueKind.Object } v2)
            {
                data = v2.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : null;
            }

            return data is { ValueKind: JsonValueKind.Object } map ? JsonObject.Create(map.Clone()) : null;
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return null;
        }
    }

    private async Task<bool> IsManagedAsync(PushRef target, JsonObject current, CancellationToken cancellationToken)
    {
        if (!_config.KvV2)
        {
            return current[CustomMetadata]?[ManagedByKey] is JsonValue v1 && v1.TryGetValue<string>(out var by) && by == ManagedByValue;
        }

        try
        {
            var response = await CallAsync(new RemoteRef(target.RemoteKey), VaultKvPath.Metadata(_config.MountPath, target.RemoteKey), cancellationToken).ConfigureAwait(false);
            return response.Data is { ValueKind: JsonValueKind.Object } metadata
                && metadata.TryGetProperty(CustomMetadata, out var custom) && custom.ValueKind == JsonValueKind.Object
                && custom.TryGetProperty(ManagedByKey, out var manager) && manager.ValueKind == JsonValueKind.String && manager.GetString() == ManagedByValue;
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return false;
        }
    }

    private async Task WriteDataAsync(PushRef target, JsonObject data, bool markManaged, CancellationToken cancellationToken)
    {
        var mark = new JsonObject { [ManagedByKey] = ManagedByValue };
        if (!_config.KvV2)
        {
            data[CustomMetadata] = mark;
            await WriteCallAsync(target, new VaultRequestKey(VaultKvPath.Data(_config.MountPath, target.RemoteKey, kvV2: false), "POST", data.ToJsonString()), "write", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (markManaged)
        {
            var metadata = new JsonObject { [CustomMetadata] = mark };
            await WriteCallAsync(target, new VaultRequestKey(VaultKvPath.Metadata(_config.MountPath, target.RemoteKey), "POST", metadata.ToJsonString()), "write", cancellationToken).ConfigureAwait(false);
        }

        var body = new JsonObject { ["data"] = data };
        await WriteCallAsync(target, new VaultRequestKey(VaultKvPath.Data(_config.MountPath, target.RemoteKey, kvV2: true), "POST", body.ToJsonString()), "write", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One write or delete with a token; when Vault refuses a cached login token, logs in again once and retries.</summary>
    private async Task WriteCallAsync(PushRef target, VaultRequestKey request, string verb, CancellationToken cancellationToken) =>
        _ = await SendAsync(request, $"cannot {verb} \"{target.RemoteKey}\" in Vault", "VaultWriteFailed", notFound: null, cancellationToken).ConfigureAwait(false);
}
