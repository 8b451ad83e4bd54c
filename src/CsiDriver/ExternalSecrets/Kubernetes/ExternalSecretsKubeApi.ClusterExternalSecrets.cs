using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// The ClusterExternalSecret reconciler's calls: GET/PUT /apis/external-secrets.io/v1/clusterexternalsecrets/{name},
/// PATCH (merge) .../{name}/status, GET /api/v1/namespaces, and POST/DELETE of the ExternalSecrets it stamps out.
/// </summary>
internal sealed partial class ExternalSecretsKubeApi
{
    [KubernetesApiCall("external-secrets.io", "clusterexternalsecrets", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetClusterExternalSecretAsync(string name, CancellationToken cancellationToken) =>
        GetObjectAsync(EsoPath, "clusterexternalsecrets", null, name, cancellationToken);

    /// <summary>Writes metadata and spec (the finalizer); <paramref name="raw"/> carries the resourceVersion read.</summary>
    [KubernetesApiCall("external-secrets.io", "clusterexternalsecrets", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateClusterExternalSecretAsync(JsonObject raw, CancellationToken cancellationToken) =>
        PutObjectAsync(EsoPath, "clusterexternalsecrets", null, raw, namespaced: false, cancellationToken);

    /// <summary>A merge patch of <c>status</c>, as the operator writes it.</summary>
    [KubernetesApiCall("external-secrets.io", "clusterexternalsecrets/status", "patch", KubernetesIdentity.Controller)]
    public Task<JsonObject> PatchClusterExternalSecretStatusAsync(string name, JsonObject mergePatch, CancellationToken cancellationToken)
    {
        var call = $"patch clusterexternalsecrets/status {name}";
        var path = $"{EsoPath}/clusterexternalsecrets/{KubernetesNames.Check(name, "name", call)}/status";
        return Transport.SendAsync(new KubernetesRequest(HttpMethod.Patch, path, call, Serialize(mergePatch), MergePatch), Credentials, EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    /// <summary>Every namespace (selectors are evaluated by the caller, matchExpressions included).</summary>
    [KubernetesApiCall("", "namespaces", "list", KubernetesIdentity.Controller)]
    public async Task<IReadOnlyList<NamespaceResource>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        const string call = "list namespaces";
        var list = await SendAsync(HttpMethod.Get, "/api/v1/namespaces", call, null, ClusterExternalSecretJsonContext.Default.NamespaceList, cancellationToken).ConfigureAwait(false);
        return list.Items ?? [];
    }

    [KubernetesApiCall("external-secrets.io", "externalsecrets", "create", KubernetesIdentity.Controller)]
    public async Task<ExternalSecretDocument> CreateExternalSecretAsync(JsonObject raw, CancellationToken cancellationToken) =>
        ExternalSecretDocument.From(await CreateObjectAsync(EsoPath, "externalsecrets", raw, cancellationToken).ConfigureAwait(false));

    /// <summary>Deletes an ExternalSecret; false if it was already gone.</summary>
    [KubernetesApiCall("external-secrets.io", "externalsecrets", "delete", KubernetesIdentity.Controller)]
    public Task<bool> DeleteExternalSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        DeleteObjectAsync(EsoPath, "externalsecrets", @namespace, name, cancellationToken);
}
