namespace CsiDriver.Providers.Local;

/// <summary>Options of the <c>local</c> provider.</summary>
public sealed class LocalProviderOptions
{
    /// <summary>The folder objects are read from (<c>--local-store-root</c>); null disables the provider.</summary>
    public string? Root { get; set; }

    /// <summary>
    /// True (the default, <c>--local-store-scope=namespace</c>): a pod reads only under
    /// <c>&lt;root&gt;/&lt;pod namespace&gt;/</c>, so a class in one namespace cannot name another's files.
    /// False (<c>node</c>): every pod on the node may read anything under the root.
    /// </summary>
    public bool PerNamespace { get; set; } = true;

    /// <summary>Largest object read, checked before reading.</summary>
    public long MaxObjectBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Key for object versions. Versions are HMACs, not plain hashes, because they land in state and
    /// pod status, where a plain hash of a short password could be brute-forced.
    /// </summary>
    public byte[] VersionKey { get; set; } = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
}
