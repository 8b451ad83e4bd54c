using System.Text;
using System.Text.Json;
using CsiDriver.Providers.Azure;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Azure;

/// <summary>
/// An azurekv store for one ExternalSecret namespace, reading through the Azure provider's <see cref="KeyVaultClient"/>
/// (bearer challenge, token cache, throttling): <c>remoteRef.key</c> <c>secret/NAME</c> (or no prefix) gives the secret's
/// value, <c>key/NAME</c> the public JSON Web Key, <c>cert/NAME</c> the certificate's DER bytes; <c>version</c> an object
/// version; <c>property</c> a field of a JSON secret.
/// </summary>
internal sealed class AzureStoreClient(StoreContext store, AzureMountConfig config, Uri transport, KeyVaultClient vault) : IStoreClient
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
        var filter = new FindFilter(store, query);
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
        filter.CheckCount(names.Count);

        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            found[name] = await GetSecretAsync(new RemoteRef(name), cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    public override string ToString() => Identity;

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
