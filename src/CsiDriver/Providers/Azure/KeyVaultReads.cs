namespace CsiDriver.Providers.Azure;

/// <summary>
/// The provider's Key Vault reads, shared and remembered so that a rotation pass costs the least Key Vault
/// allows. Each raw read (an object GET by version, or a versions listing) is keyed by the reader's identity
/// (<see cref="AzureMountConfig.Identity"/>), the vault and the object, and is made once per
/// <see cref="IFetchScope"/> (a pass, or one volume's fetch). A pinned version is immutable at Key Vault, so
/// one the same identity read before is served from memory when the volume already holds it; a volume that
/// does not hold it yet (a new publish) always reads from Key Vault, which authorises it.
/// </summary>
internal sealed class KeyVaultReads(KeyVaultClient client, VersionedValueCache values)
{
    private const string Provider = "azure";

    /// <summary>A version Key Vault will always answer with the same content (not empty, not "latest").</summary>
    public static bool IsPinned(string version) => version.Length > 0 && !version.Equals("latest", StringComparison.OrdinalIgnoreCase);

    /// <summary>The JSON body of the object at <see cref="VaultCall.ObjectVersion"/>, and whether it came from memory.</summary>
    /// <param name="volumeHasVersion">The volume already holds this version of the object.</param>
    public async Task<(byte[] Body, bool FromMemory)> GetAsync(VaultCall call, IFetchScope scope, bool volumeHasVersion)
    {
        var key = new FetchKey(Provider, call.Config.Identity, $"get:{call.Vault.Host}/{call.Object.TypeName}/{call.Object.ObjectName}/{call.ObjectVersion}");
        var pinned = IsPinned(call.ObjectVersion);
        if (pinned && volumeHasVersion && values.TryGet(key, call.ObjectVersion, out var remembered))
        {
            return (remembered, true);
        }

        var body = await scope.GetOrAddAsync(key, async ct =>
        {
            var read = await client.GetObjectAsync(call, ct).ConfigureAwait(false);
            if (pinned)
            {
                values.Put(key, call.ObjectVersion, read);
            }

            return read;
        }).ConfigureAwait(false);
        return (body, false);
    }

    /// <summary>The object's enabled versions (history mode), listed once per scope and identity, never remembered.</summary>
    public Task<List<(string Version, long Created)>> ListVersionsAsync(VaultCall call, IFetchScope scope) =>
        scope.GetOrAddAsync(
            new FetchKey(Provider, call.Config.Identity, $"list:{call.Vault.Host}/{call.Object.TypeName}/{call.Object.ObjectName}"),
            ct => client.ListVersionsAsync(call, ct));
}
