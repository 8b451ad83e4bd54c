using CsiDriver.Providers.Vault;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>
/// Arbitrary Vault requests for the <c>VaultDynamicSecret</c> generator: the store's login, re-login and error handling,
/// on any path and method (dynamic credentials, PKI issue, token creation).
/// </summary>
internal sealed partial class VaultStoreClient
{
    /// <param name="path">An API path (<c>database/creds/app</c>, <c>/v1/...</c> and a <c>?query</c> accepted).</param>
    /// <param name="method"><c>GET</c>, <c>POST</c>, <c>PUT</c>, <c>LIST</c>, ...</param>
    /// <param name="bodyJson">A JSON body, or null.</param>
    public Task<VaultResponse> RequestAsync(string path, string method, string? bodyJson, CancellationToken cancellationToken) =>
        CallAsync(new RemoteRef(path), new VaultRequestKey(path, method, bodyJson), cancellationToken);
}
