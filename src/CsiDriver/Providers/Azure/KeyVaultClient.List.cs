namespace CsiDriver.Providers.Azure;

/// <summary>
/// Key Vault secret listing. Covers: <c>GET secrets</c> following <c>nextLink</c>, backend call <c>list_secrets</c> (one
/// per page). Pages carry each secret's id, attributes and tags, never a value.
/// </summary>
internal sealed partial class KeyVaultClient
{
    /// <summary>Every secret of the vault <paramref name="call"/> names: its name, whether it is enabled, its tags.</summary>
    public async Task<List<(string Name, bool Enabled, Dictionary<string, string> Tags)>> ListSecretsAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var secrets = new List<(string, bool, Dictionary<string, string>)>();
        foreach (var item in await ReadPagesAsync(call, "secrets", "list_secrets", MaxPages * 10, "secrets", cancellationToken).ConfigureAwait(false))
        {
            if (LastSegment(item.Id) is { } name)
            {
                secrets.Add((name, item.Attributes?.Enabled != false, item.Tags ?? []));
            }
        }

        return secrets;
    }
}
