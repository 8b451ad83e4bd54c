namespace CsiDriver.Providers.Vault;

/// <summary>Body of <c>POST /v1/auth/&lt;mount&gt;/login</c> (Kubernetes and JWT auth).</summary>
internal sealed record VaultLoginRequest(
    [property: JsonPropertyName("jwt")] string Jwt,
    [property: JsonPropertyName("role")] string Role)
{
    public override string ToString() => $"login as role {Role}";
}

/// <summary>Body of an AppRole login. <see cref="ToString"/> never shows the secret id.</summary>
internal sealed record VaultAppRoleLoginRequest(
    [property: JsonPropertyName("role_id")] string RoleId,
    [property: JsonPropertyName("secret_id")] string SecretId)
{
    public override string ToString() => "AppRole login";
}

/// <summary>Body of <c>PUT /v1/sys/leases/renew</c>.</summary>
internal sealed record VaultRenewRequest(
    [property: JsonPropertyName("lease_id")] string LeaseId,
    [property: JsonPropertyName("increment")] long Increment);

/// <summary>Body of <c>PUT /v1/sys/leases/revoke</c>.</summary>
internal sealed record VaultRevokeRequest([property: JsonPropertyName("lease_id")] string LeaseId);

[JsonSerializable(typeof(VaultLoginRequest))]
[JsonSerializable(typeof(VaultAppRoleLoginRequest))]
[JsonSerializable(typeof(VaultRenewRequest))]
[JsonSerializable(typeof(VaultRevokeRequest))]
internal sealed partial class VaultJsonContext : JsonSerializerContext;
