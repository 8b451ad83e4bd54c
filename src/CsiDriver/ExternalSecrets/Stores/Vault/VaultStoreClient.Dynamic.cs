using CsiDriver.Providers.Vault;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>
/// Arbitrary Vault requests for the <c>VaultDynamicSecret</c> generator: the store's login, re-login and error handling,
/// on any path and method (dynamic credentials, PKI issue, token creation), and the renewal and revocation of the
/// leases it mints (the Vault provider's <c>sys/leases</c> bodies).
/// </summary>
internal sealed partial class VaultStoreClient
{
    /// <param name="path">An API path (<c>database/creds/app</c>, <c>/v1/...</c> and a <c>?query</c> accepted).</param>
    /// <param name="method"><c>GET</c>, <c>POST</c>, <c>PUT</c>, <c>LIST</c>, ...</param>
    /// <param name="bodyJson">A JSON body, or null.</param>
    public Task<VaultResponse> RequestAsync(string path, string method, string? bodyJson, CancellationToken cancellationToken) =>
        CallAsync(new RemoteRef(path), new VaultRequestKey(path, method, bodyJson), cancellationToken);

    /// <summary><c>PUT sys/leases/renew</c>: the answer's <c>lease_duration</c> is what Vault granted.</summary>
    /// <exception cref="SecretStoreException">Vault refused or did not answer; the message names no lease id or token.</exception>
    public Task<VaultResponse> RenewLeaseAsync(string leaseId, long incrementSeconds, CancellationToken cancellationToken) =>
        CallAsync(new RemoteRef("sys/leases/renew"), new VaultRequestKey("sys/leases/renew", "PUT", JsonSerializer.Serialize(new VaultRenewRequest(leaseId, incrementSeconds), VaultJsonContext.Default.VaultRenewRequest)), cancellationToken);

    /// <summary><c>PUT sys/leases/revoke</c>.</summary>
    /// <exception cref="SecretStoreException">Vault refused or did not answer; the message names no lease id or token.</exception>
    public Task<VaultResponse> RevokeLeaseAsync(string leaseId, CancellationToken cancellationToken) =>
        CallAsync(new RemoteRef("sys/leases/revoke"), new VaultRequestKey("sys/leases/revoke", "PUT", JsonSerializer.Serialize(new VaultRevokeRequest(leaseId), VaultJsonContext.Default.VaultRevokeRequest)), cancellationToken);
}
