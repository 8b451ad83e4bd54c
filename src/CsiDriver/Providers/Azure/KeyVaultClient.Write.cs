using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// Key Vault secret writes. Covers: <c>PUT secrets/{name}</c> (value and tags; a new version) and
/// <c>DELETE secrets/{name}</c>, backend calls <c>set_secret</c> and <c>delete_secret</c>. Authorised like the reads
/// (the vault's challenge scope, the same token cache) and, like them, sent again when Key Vault throttles (429: the
/// request was not processed) as <see cref="AzureProviderOptions.Retry"/> allows.
/// </summary>
internal sealed partial class KeyVaultClient
{
    public async Task SetSecretAsync(VaultCall call, string value, Dictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new SetSecretRequest { Value = value, Tags = tags }, KeyVaultWriteJsonContext.Default.SetSecretRequest);
        var reply = await SendWriteAsync(call, HttpMethod.Put, body, "set_secret", cancellationToken).ConfigureAwait(false);
        _ = Ok(call, reply);
    }

    /// <summary>Deletes the secret (soft delete, as the vault is configured); one already gone is not an error.</summary>
    public async Task DeleteSecretAsync(VaultCall call, CancellationToken cancellationToken)
    {
        var reply = await SendWriteAsync(call, HttpMethod.Delete, null, "delete_secret", cancellationToken).ConfigureAwait(false);
        if (reply.Status != HttpStatusCode.NotFound)
        {
            _ = Ok(call, reply);
        }
    }

    private async Task<Http.BackendResponse> SendWriteAsync(VaultCall call, HttpMethod method, byte[]? body, string callName, CancellationToken cancellationToken)
    {
        var uri = new Uri(call.Transport, $"secrets/{call.Object.ObjectName}?api-version={Uri.EscapeDataString(options.ApiVersion)}");
        if (!_scopes.TryGetValue(call.Vault.Host, out var scope))
        {
            // The scope is learned from the challenge of a harmless read of the same secret, never of the write itself.
            var (learned, _) = await LearnScopeAsync(call, uri, call.GetCallName, cancellationToken).ConfigureAwait(false);
            scope = learned ?? throw call.Fail(FailureKind.PermissionDenied, "Key Vault sent no Bearer challenge (WWW-Authenticate)");
        }

        var token = await tokens.GetTokenAsync(call.Config, scope, cancellationToken).ConfigureAwait(false);
        return await SendThrottledAsync(call, () =>
        {
            var request = new HttpRequestMessage(method, uri);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }, callName, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The body of <c>PUT secrets/{name}</c>; <see cref="ToString"/> never shows the value.</summary>
internal sealed class SetSecretRequest
{
    [JsonPropertyName("value")]
    public required string Value { get; init; }

    [JsonPropertyName("tags")]
    public required Dictionary<string, string> Tags { get; init; }

    public override string ToString() => "set secret";
}

[JsonSerializable(typeof(SetSecretRequest))]
internal sealed partial class KeyVaultWriteJsonContext : JsonSerializerContext;
