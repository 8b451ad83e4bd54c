using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// The calls the PushSecret reconciler adds:
/// <list type="bullet">
/// <item>GET/PUT /apis/external-secrets.io/v1alpha1/namespaces/{ns}/pushsecrets/{name}, PUT .../{name}/status</item>
/// <item>GET /apis/external-secrets.io/v1/namespaces/{ns}/secretstores and /apis/external-secrets.io/v1/clustersecretstores (stores chosen by label)</item>
/// </list>
/// </summary>
internal sealed partial class ExternalSecretsKubeApi
{
    private const string PushSecretPath = "/apis/external-secrets.io/v1alpha1";

    [KubernetesApiCall("external-secrets.io", "pushsecrets", "get", KubernetesIdentity.Controller)]
    public async Task<PushSecretDocument?> GetPushSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(PushSecretPath, "pushsecrets", @namespace, name, cancellationToken).ConfigureAwait(false) is { } raw ? PushSecretDocument.From(raw) : null;

    /// <summary>Writes the whole object (metadata and spec: the finalizer); the API server ignores status here.</summary>
    [KubernetesApiCall("external-secrets.io", "pushsecrets", "update", KubernetesIdentity.Controller)]
    public async Task<PushSecretDocument> UpdatePushSecretAsync(JsonObject raw, CancellationToken cancellationToken) =>
        PushSecretDocument.From(await PutObjectAsync(PushSecretPath, "pushsecrets", null, raw, namespaced: true, cancellationToken).ConfigureAwait(false));

    /// <summary>A full status update carrying the resourceVersion read, so a concurrent write is a 409.</summary>
    [KubernetesApiCall("external-secrets.io", "pushsecrets/status", "update", KubernetesIdentity.Controller)]
    public async Task<PushSecretDocument> UpdatePushSecretStatusAsync(JsonObject raw, CancellationToken cancellationToken) =>
        PushSecretDocument.From(await PutObjectAsync(PushSecretPath, "pushsecrets", "status", raw, namespaced: true, cancellationToken).ConfigureAwait(false));

    /// <summary>Every SecretStore in <paramref name="namespace"/>, as raw objects (the caller filters by label).</summary>
    [KubernetesApiCall("external-secrets.io", "secretstores", "list", KubernetesIdentity.Controller)]
    public async Task<IReadOnlyList<JsonObject>> ListSecretStoresAsync(string @namespace, CancellationToken cancellationToken)
    {
        var call = $"list secretstores {@namespace}";
        var list = await SendAsync(HttpMethod.Get, Namespaced(EsoPath, @namespace, "secretstores", null, call), call, null, PushSecretJsonContext.Default.SecretStoreList, cancellationToken).ConfigureAwait(false);
        return list.Items ?? [];
    }

    /// <summary>Every ClusterSecretStore, as raw objects (the caller filters by label).</summary>
    [KubernetesApiCall("external-secrets.io", "clustersecretstores", "list", KubernetesIdentity.Controller)]
    public async Task<IReadOnlyList<JsonObject>> ListClusterSecretStoresAsync(CancellationToken cancellationToken)
    {
        const string Call = "list clustersecretstores";
        var list = await SendAsync(HttpMethod.Get, $"{EsoPath}/clustersecretstores", Call, null, PushSecretJsonContext.Default.SecretStoreList, cancellationToken).ConfigureAwait(false);
        return list.Items ?? [];
    }
}
