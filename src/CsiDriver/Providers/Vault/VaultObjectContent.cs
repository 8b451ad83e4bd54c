using CsiDriver.Publishing;

namespace CsiDriver.Providers.Vault;

/// <summary>Turns a Vault response into one object's file contents and version, the upstream provider's way.</summary>
internal static class VaultObjectContent
{
    /// <summary>
    /// With <c>secretKey</c>: the key from <c>data</c>, or from <c>data.data</c> when that is an object
    /// (KV v2; a KV v1 secret with an object under <c>data</c> is read the same way, as upstream does);
    /// strings raw, other values as compact JSON, then decoded per <c>encoding</c>.
    /// Without: the whole response as compact JSON.
    /// </summary>
    public static byte[] Extract(VaultResponse response, VaultObject item, string classDescription)
    {
        if (item.SecretKey is not { } key)
        {
            return VaultSecretJson.Serialize(response);
        }

        var data = response.Data;
        if (data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.Object)
        {
            data = inner;
        }

        if (data is not { ValueKind: JsonValueKind.Object } map || !map.TryGetProperty(key, out var value))
        {
            throw new SecretStoreException(
                FailureKind.NotFound,
                $"SecretProviderClass {classDescription}: object \"{item.ObjectName}\": key \"{key}\" does not exist at the secret path \"{item.SecretPath}\"");
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : Templating.Functions.GoJson.Serialize(value, escapeHtml: true, indent: null);
        return Decode(text, item, classDescription);
    }

    /// <summary>
    /// KV v2 reads report <c>data.metadata.version</c>, so a rotation at the source shows as a new
    /// version. Anything else gets an HMAC-SHA256 of the content (base64url) under a key that never
    /// leaves the process: it changes iff the content changes, and does not let a reader of pod status
    /// test guesses of a low-entropy secret the way a plain hash would.
    /// </summary>
    public static string Version(VaultResponse response, ReadOnlySpan<byte> content, byte[] hmacKey)
    {
        if (response.Data is { ValueKind: JsonValueKind.Object } data &&
            data.TryGetProperty("data", out _) &&
            data.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
            metadata.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number)
        {
            return version.GetRawText();
        }

        var mac = HMACSHA256.HashData(hmacKey, content);
        return "hmac-sha256:" + Convert.ToBase64String(mac).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    private static byte[] Decode(string text, VaultObject item, string classDescription)
    {
        try
        {
            return item.Encoding switch
            {
                VaultEncoding.Base64 => Convert.FromBase64String(text),
                VaultEncoding.Hex => Convert.FromHexString(text),
                _ => Encoding.UTF8.GetBytes(text),
            };
        }
        catch (FormatException)
        {
            // The decoder's message could quote the value; ours names only the object.
            var encoding = item.Encoding == VaultEncoding.Base64 ? "base64" : "hex";
            throw ProviderParameters.Invalid(classDescription, $"object \"{item.ObjectName}\": the value of key \"{item.SecretKey}\" is not valid {encoding} (encoding: {encoding})");
        }
    }
}
