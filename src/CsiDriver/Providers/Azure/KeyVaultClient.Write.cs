namespace CsiDriver.Providers.Azure;

/// <summary>
/// Key Vault secret writes. Covers: <c>PUT secrets/{name}</c> (value and tags; a new version) and
/// <c>DELETE secrets/{name}</c>, backend calls <c>set_secret</c> and <c>delete_secret</c>. Sent like the reads
/// (the vault's challenge scope, the same token cache, sent again while Key Vault throttles).
/// </summary>
internal sealed partial class KeyVaultClient
{
    public async Task SetSecretAsync(VaultCall call, string value, Dictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new SetSecretRequest(value, tags), AzureJsonContext.Default.SetSecretRequest);
        _ = Ok(call, await SendAuthorizedAsync(call, HttpMethod.Put, SecretUri(call), body, "set_secret", cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Deletes the secret (soft delete, as the vault is configured); one already gone is not an error.</summary>
    public async Task DeleteSecretAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var reply = await SendAuthorizedAsync(call, HttpMethod.Delete, SecretUri(call), null, "delete_secret", cancellationToken).ConfigureAwait(false);
        if (reply.Status != HttpStatusCode.NotFound)
        {
            _ = Ok(call, reply);
        }
    }

    private Uri SecretUri(VaultCall call) => VaultUri(call, $"secrets/{call.Object.ObjectName}");
}

/// <summary>The body of <c>PUT secrets/{name}</c>; <see cref="ToString"/> never shows the value.</summary>
internal sealed record SetSecretRequest(string Value, Dictionary<string, string> Tags)
{
    public override string ToString() => "set secret";
}
