using CsiDriver.Providers.Azure;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Azure;

/// <summary>
/// An azurekv store for one ExternalSecret namespace, reading through the Azure provider's <see cref="KeyVaultClient"/>
/// (bearer challenge, token cache, throttling): <c>remoteRef.key</c> <c>secret/NAME</c> (or no prefix) gives the secret's
/// value, <c>key/NAME</c> the public JSON Web Key, <c>cert/NAME</c> the certificate's DER bytes; <c>version</c> an object
/// version; <c>property</c> a field of a JSON secret.
/// </summary>
internal sealed class AzureStoreClient(StoreContext store, AzureMountConfig config, Uri transport, KeyVaultClient vault) : IStoreClient, IStoreWriter
{
    public string Identity { get; } = $"azurekv {config.VaultUri} as {config.Credential} in tenant {config.TenantId}";

    public async Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        if (remoteRef.FetchMetadata)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: metadataPolicy Fetch is not supported for azurekv in this mode yet");
        }

        var (type, typeName, name) = Parse(remoteRef.Key);
        var spec = new KeyVaultObjectSpec(name, type, typeName, string.Empty, remoteRef.Version ?? string.Empty, 0, false, "utf-8", null);
        var call = new VaultCall(config, config.VaultUri, transport, spec, spec.ObjectVersion);
        byte[] body;
        try
        {
            body = await vault.GetObjectAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (AzureReadException ex)
        {
            throw new SecretStoreException(ex.Kind, $"{store}: {ex.Message}", ex) { Reason = ex.Reason };
        }

        var value = type switch
        {
            KeyVaultObjectType.Secret => Encoding.UTF8.GetBytes(KeyVaultClient.Parse(call, body, AzureJsonContext.Default.SecretBundle).Value ?? string.Empty),
            KeyVaultObjectType.Key => KeyJson(body),
            _ => Convert.FromBase64String(KeyVaultClient.Parse(call, body, AzureJsonContext.Default.CertificateBundle).Cer ?? string.Empty),
        };
        return remoteRef.Property is { Length: > 0 } property ? StoreValues.Property(store, value, property, $"{typeName} \"{name}\"") : value;
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken) =>
        StoreValues.Split(store, await GetSecretAsync(remoteRef, cancellationToken).ConfigureAwait(false), $"\"{remoteRef.Key}\"");

    /// <summary>
    /// <c>dataFrom.find</c>: every enabled secret whose name matches <c>name.regexp</c> (and starts with <c>path</c>) and
    /// carries every tag asked for, with its current value.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken)
    {
        var filter = FindMatcher.Create(query, store.ToString());
        var spec = new KeyVaultObjectSpec("(list)", KeyVaultObjectType.Secret, "secret", string.Empty, string.Empty, 0, false, "utf-8", null);
        List<(string Name, bool Enabled, Dictionary<string, string> Tags)> listed;
        try
        {
            listed = await vault.ListSecretsAsync(new VaultCall(config, config.VaultUri, transport, spec, string.Empty), cancellationToken).ConfigureAwait(false);
        }
        catch (AzureReadException ex)
        {
            throw new SecretStoreException(ex.Kind, $"{store}: {ex.Message}", ex) { Reason = ex.Reason };
        }

        var names = listed
            .Where(s => s.Enabled && (query.Path is not { Length: > 0 } p || s.Name.StartsWith(p, StringComparison.Ordinal)) && filter.Matches(s.Name, s.Tags))
            .Select(s => s.Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        filter.ThrowIfOver(names.Count);

        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            found[name] = await GetSecretAsync(new RemoteRef(name), cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    public async Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(target, cancellationToken).ConfigureAwait(false);
        if (current is null || target.Property is null)
        {
            return current is not null;
        }

        try
        {
            _ = StoreValues.Property(store, current.Value.Value, target.Property, target.RemoteKey);
            return true;
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return false;
        }
    }

    /// <summary>Sets a secret (a new version) tagged <c>managed-by: external-secrets</c>, unless it holds the value already.</summary>
    public async Task<bool> PushAsync(PushRef target, byte[] value, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(target, cancellationToken).ConfigureAwait(false);
        if (current is { } existing && existing.Tags.GetValueOrDefault(ManagedMark.Key) != ManagedMark.Value)
        {
            throw NotManaged(target);
        }

        var next = StoreValues.Merge(current?.Value, target.Property, value);
        if (current is { } same && same.Value.AsSpan().SequenceEqual(next))
        {
            return false;
        }

        var tags = current?.Tags ?? [];
        tags[ManagedMark.Key] = ManagedMark.Value;
        await WriteAsync(target, (call, ct) => vault.SetSecretAsync(call, Encoding.UTF8.GetString(next), tags, ct), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task DeleteAsync(PushRef target, CancellationToken cancellationToken)
    {
        if (await CurrentAsync(target, cancellationToken).ConfigureAwait(false) is not { } current)
        {
            return;
        }

        if (current.Tags.GetValueOrDefault(ManagedMark.Key) != ManagedMark.Value)
        {
            throw NotManaged(target);
        }

        if (target.Property is { } property && StoreValues.Without(current.Value, property) is { } rest)
        {
            if (!rest.AsSpan().SequenceEqual(current.Value))
            {
                await WriteAsync(target, (call, ct) => vault.SetSecretAsync(call, Encoding.UTF8.GetString(rest), current.Tags, ct), cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await WriteAsync(target, vault.DeleteSecretAsync, cancellationToken).ConfigureAwait(false);
    }

    public override string ToString() => Identity;

    /// <summary>The secret's current value and tags, or null when it does not exist. Pushes go to secrets only.</summary>
    private async Task<(byte[] Value, Dictionary<string, string> Tags)?> CurrentAsync(PushRef target, CancellationToken cancellationToken)
    {
        var call = SecretCall(target);
        byte[] body;
        try
        {
            body = await vault.GetObjectAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (AzureReadException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return null;
        }
        catch (AzureReadException ex)
        {
            throw new SecretStoreException(ex.Kind, $"{store}: {ex.Message}", ex) { Reason = ex.Reason };
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var value = root.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in t.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
            {
                tags[tag.Name] = tag.Value.GetString()!;
            }
        }

        return (Encoding.UTF8.GetBytes(value), tags);
    }

    private async Task WriteAsync(PushRef target, Func<VaultCall, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await write(SecretCall(target), cancellationToken).ConfigureAwait(false);
        }
        catch (AzureReadException ex)
        {
            throw new SecretStoreException(ex.Kind, $"{store}: {ex.Message}", ex) { Reason = ex.Reason };
        }
    }

    private VaultCall SecretCall(PushRef target)
    {
        var (type, typeName, name) = Parse(target.RemoteKey);
        if (type != KeyVaultObjectType.Secret)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: PushSecret writes Key Vault secrets only, not {typeName} \"{name}\" (keys and certificates are not supported yet)");
        }

        var spec = new KeyVaultObjectSpec(name, type, typeName, string.Empty, string.Empty, 0, false, "utf-8", null);
        return new VaultCall(config, config.VaultUri, transport, spec, string.Empty);
    }

    private SecretStoreException NotManaged(PushRef target) =>
        new(FailureKind.Conflict, $"{store}: secret \"{target.RemoteKey}\" exists and is not managed by external-secrets (no {ManagedMark.Key}: {ManagedMark.Value} tag); it is left as it is") { Reason = "NotManaged" };

    /// <summary>The operator's prefixes: <c>secret/</c>, <c>key/</c>, <c>cert/</c>; none means a secret.</summary>
    private (KeyVaultObjectType Type, string TypeName, string Name) Parse(string key)
    {
        var (type, typeName, name) = key switch
        {
            _ when key.StartsWith("secret/", StringComparison.Ordinal) => (KeyVaultObjectType.Secret, "secret", key["secret/".Length..]),
            _ when key.StartsWith("key/", StringComparison.Ordinal) => (KeyVaultObjectType.Key, "key", key["key/".Length..]),
            _ when key.StartsWith("cert/", StringComparison.Ordinal) => (KeyVaultObjectType.Cert, "cert", key["cert/".Length..]),
            _ => (KeyVaultObjectType.Secret, "secret", key),
        };
        return name.Length is > 0 and <= 127 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? (type, typeName, name)
            : throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: \"{key}\" is not a Key Vault object name (letters, digits and -, after an optional secret/, key/ or cert/)");
    }

    /// <summary>The <c>key</c> object of a key bundle, as JSON (public parts only: Key Vault never returns private material).</summary>
    private static byte[] KeyJson(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("key", out var key) ? Encoding.UTF8.GetBytes(key.GetRawText()) : [];
    }
}
