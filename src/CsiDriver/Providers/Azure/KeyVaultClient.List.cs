using CsiDriver.Publishing;

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
        await ReadPagesAsync(
            call,
            "secrets",
            "list_secrets",
            KeyVaultListJsonContext.Default.SecretListPage,
            page =>
            {
                foreach (var item in page.Value ?? [])
                {
                    if (LastSegment(item.Id) is { } name)
                    {
                        secrets.Add((name, item.Attributes?.Enabled != false, item.Tags ?? []));
                    }
                }

                return page.NextLink;
            },
            MaxPages * 10,
            "secrets",
            cancellationToken).ConfigureAwait(false);
        return secrets;
    }
}

/// <summary>One page of <c>GET secrets</c>.</summary>
internal sealed class SecretListPage
{
    [JsonPropertyName("value")]
    public List<SecretListItem>? Value { get; set; }

    [JsonPropertyName("nextLink")]
    public string? NextLink { get; set; }
}

/// <summary>A listed secret: its id (<c>https://vault/secrets/NAME</c>), attributes and tags.</summary>
internal sealed class SecretListItem
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("attributes")]
    public VersionAttributes? Attributes { get; set; }

    [JsonPropertyName("tags")]
    public Dictionary<string, string>? Tags { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SecretListPage))]
internal sealed partial class KeyVaultListJsonContext : JsonSerializerContext;
