namespace CsiDriver.Providers.Vault;

/// <summary>AppRole login: <c>POST /v1/auth/&lt;mount&gt;/login</c> {role_id, secret_id}, counted as backend call <c>login</c>.</summary>
internal sealed partial class VaultClient
{
    /// <summary>Logs in with an AppRole role id and secret id; returns the Vault token and its TTL in seconds (0 = no expiry).</summary>
    public async Task<(string Token, long TtlSeconds)> AppRoleLoginAsync(string mount, string roleId, string secretId, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new VaultAppRoleLoginRequest(roleId, secretId), VaultAppRoleJsonContext.Default.VaultAppRoleLoginRequest);
        var path = $"/v1/auth/{mount}/login";
        var response = await SendAsync("login", HttpMethod.Post, path, token: null, body, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(response.ClientToken))
        {
            throw new VaultApiException($"POST {path}", 200, ["the login response carries no auth.client_token"]);
        }

        return (response.ClientToken, response.AuthLeaseDuration);
    }
}

/// <summary>Body of an AppRole login. <see cref="ToString"/> never shows the secret id.</summary>
internal sealed record VaultAppRoleLoginRequest(
    [property: JsonPropertyName("role_id")] string RoleId,
    [property: JsonPropertyName("secret_id")] string SecretId)
{
    public override string ToString() => "AppRole login";
}

[JsonSerializable(typeof(VaultAppRoleLoginRequest))]
internal sealed partial class VaultAppRoleJsonContext : JsonSerializerContext
{
}
