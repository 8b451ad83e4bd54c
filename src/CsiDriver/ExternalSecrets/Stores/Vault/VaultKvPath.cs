namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>Where a <c>remoteRef.key</c> is read in Vault: the External Secrets Operator's KV path rules (eso.md section 4.4).</summary>
internal static class VaultKvPath
{
    /// <summary>
    /// The API path (without <c>/v1/</c>) for <paramref name="key"/>. KV v2 inserts <c>data</c> after the mount (the store's
    /// <c>path</c>, else the key's first segment) unless the key already has it; a key that starts with the mount has it
    /// taken off first. KV v1 joins mount and key.
    /// </summary>
    public static string Data(string? mount, string key, bool kvV2) => Build(mount, key, kvV2, "data");

    /// <summary>The KV v2 metadata path for <paramref name="key"/> (<c>mount/metadata/rest</c>).</summary>
    public static string Metadata(string? mount, string key) => Build(mount, key, kvV2: true, "metadata");

    private static string Build(string? mount, string key, bool kvV2, string segment)
    {
        var path = key.Trim('/');
        if (mount is null)
        {
            if (!kvV2)
            {
                return path;
            }

            var slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return path;
            }

            var first = path[..slash];
            var rest = path[(slash + 1)..];
            return rest.StartsWith("data/", StringComparison.Ordinal) || rest.StartsWith("metadata/", StringComparison.Ordinal)
                ? $"{first}/{segment}/{rest[(rest.IndexOf('/', StringComparison.Ordinal) + 1)..]}"
                : $"{first}/{segment}/{rest}";
        }

        if (path.StartsWith(mount + "/", StringComparison.Ordinal))
        {
            path = path[(mount.Length + 1)..];
        }

        if (!kvV2)
        {
            return $"{mount}/{path}";
        }

        if (path.StartsWith("data/", StringComparison.Ordinal) || path.StartsWith("metadata/", StringComparison.Ordinal))
        {
            path = path[(path.IndexOf('/', StringComparison.Ordinal) + 1)..];
        }

        return $"{mount}/{segment}/{path}";
    }
}
