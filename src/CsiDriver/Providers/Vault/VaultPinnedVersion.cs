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
        string? pinned = null;
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            if (name != "version")
            {
                continue;
            }

            // Repeated or non-numeric: leave it to Vault and treat the object as unpinned.
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (pinned is not null || value.Length is 0 or > 9 || !value.All(char.IsAsciiDigit))
            {
                return null;
            }

            var number = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
            if (number < 1)
            {
                return null; // version=0 is "latest" at Vault.
            }

            pinned = number.ToString(CultureInfo.InvariantCulture);
        }

        return pinned;
    }
}
