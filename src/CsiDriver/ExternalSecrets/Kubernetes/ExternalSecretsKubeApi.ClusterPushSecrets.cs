using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// The calls the ClusterPushSecret reconciler adds:
/// <list type="bullet">
/// <item>GET /apis/external-secrets.io/v1alpha1/clusterpushsecrets/{name}, PUT .../{name}/status</item>
/// <item>POST /apis/external-secrets.io/v1alpha1/namespaces/{ns}/pushsecrets, DELETE .../pushsecrets/{name}</item>
/// <item>GET /api/v1/namespaces (the namespaces a ClusterPushSecret selects)</item>
/// </list>
/// </summary>
internal sealed partial class ExternalSecretsKubeApi
{
    [KubernetesApiCall("external-secrets.io", "clusterpushsecrets", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetClusterPushSecretAsync(string name, CancellationToken cancellationToken) =>
        GetObjectAsync(PushSecretPath, "clusterpushsecrets", null, name, cancellationToken);

    /// <summary>A full status update carrying the resourceVersion read, so a concurrent write is a 409.</summary>
    [KubernetesApiCall("external-secrets.io", "clusterpushsecrets/status", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateClusterPushSecretStatusAsync(JsonObject raw, CancellationToken cancellationToken) =>
        PutObjectAsync(PushSecretPath, "clusterpushsecrets", "status", raw, namespaced: false, cancellationToken);

    [KubernetesApiCall("external-secrets.io", "pushsecrets", "create", KubernetesIdentity.Controller)]
    public Task<JsonObject> CreatePushSecretAsync(JsonObject raw, CancellationToken cancellationToken) =>
        CreateObjectAsync(PushSecretPath, "pushsecrets", raw, cancellationToken);

    /// <summary>Deletes a PushSecret; false if it was already gone.</summary>
    [KubernetesApiCall("external-secrets.io", "pushsecrets", "delete", KubernetesIdentity.Controller)]
    public Task<bool> DeletePushSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        DeleteObjectAsync(PushSecretPath, "pushsecrets", @namespace, name, cancellationToken);
}
