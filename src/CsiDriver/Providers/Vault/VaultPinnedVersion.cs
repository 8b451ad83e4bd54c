namespace CsiDriver.Providers.Vault;

/// <summary>
/// The KV v2 version an object pins, the upstream way: <c>secretPath: secret/data/app?version=3</c> (a URL query;
/// <c>secretArgs</c> are a JSON body, which Vault ignores on GET, so a <c>version</c> there pins nothing).
/// A pinned KV v2 version is immutable at Vault, so a volume that already has it needs no new read.
/// </summary>
internal static class VaultPinnedVersion
{
    /// <summary>The pinned version as Vault reports it (<c>"3"</c>), or null for GETs without one version ≥ 1, and other methods.</summary>
    public static string? Of(VaultRequestKey request)
    {
        if (request.Method != "GET")
        {
            return null;
        }

        var (_, query) = VaultClient.NormalizePath(request.SecretPath);
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
