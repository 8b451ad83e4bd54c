namespace CsiDriver.Providers.Vault;

/// <summary>How an extracted <c>secretKey</c> value is decoded before it is written.</summary>
internal enum VaultEncoding
{
    Utf8,
    Base64,
    Hex,
}

/// <summary>One entry of the <c>objects</c> parameter, validated.</summary>
/// <param name="ArgsJson">The <c>secretArgs</c> map as a compact JSON body, or null when absent.</param>
internal sealed record VaultObject(
    string ObjectName,
    string SecretPath,
    string? SecretKey,
    string Method,
    string? ArgsJson,
    VaultEncoding Encoding,
    UnixFileMode? FilePermission)
{
    /// <summary>Objects sharing this key are one Vault call (e.g. <c>username</c> and <c>password</c> of one DB credential).</summary>
    public VaultRequestKey RequestKey => new(SecretPath, Method, ArgsJson);
}

/// <summary>The identity of one Vault read: path (with query), method and body.</summary>
internal sealed record VaultRequestKey(string SecretPath, string Method, string? ArgsJson)
{
    /// <summary>
    /// The KV v2 version the read pins, the upstream way: <c>secretPath: secret/data/app?version=3</c> (a URL query;
    /// <c>secretArgs</c> are a JSON body, which Vault ignores on GET, so a <c>version</c> there pins nothing), as Vault
    /// reports it (<c>"3"</c>); null for GETs without one version ≥ 1, and other methods. A pinned KV v2 version is
    /// immutable at Vault, so a volume that already has it needs no new read.
    /// </summary>
    public string? PinnedVersion
    {
        get
        {
            if (Method != "GET")
            {
                return null;
            }

            var (_, query) = VaultClient.NormalizePath(SecretPath);
            var versions = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2))
                .Where(pair => Uri.UnescapeDataString(pair[0]) == "version")
                .Select(pair => pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : string.Empty)
                .ToList();

            // Repeated or non-numeric: left to Vault, the object unpinned; version=0 is "latest" at Vault.
            return versions is [{ Length: > 0 and <= 9 } value] && value.All(char.IsAsciiDigit) &&
                   int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) is > 0 and var number
                ? number.ToString(CultureInfo.InvariantCulture)
                : null;
        }
    }
}
