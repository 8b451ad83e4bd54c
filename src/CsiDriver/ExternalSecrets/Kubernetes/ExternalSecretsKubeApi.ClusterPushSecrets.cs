using System.Text.Json.Nodes;
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
    public Task<JsonObject?> GetClusterPushSecretAsync(string name, CancellationToken cancellationToken)
    {
        var call = $"get clusterpushsecrets {name}";
        return GetOrNullAsync($"{PushSecretPath}/clusterpushsecrets/{KubernetesNames.Check(name, "name", call)}", call, EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    /// <summary>A full status update carrying the resourceVersion read, so a concurrent write is a 409.</summary>
    [KubernetesApiCall("external-secrets.io", "clusterpushsecrets/status", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateClusterPushSecretStatusAsync(JsonObject raw, CancellationToken cancellationToken)
    {
        var (_, name) = NameOf(raw);
        var call = $"update clusterpushsecrets/status {name}";
        return SendAsync(HttpMethod.Put, $"{PushSecretPath}/clusterpushsecrets/{KubernetesNames.Check(name, "name", call)}/status", call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    [KubernetesApiCall("external-secrets.io", "pushsecrets", "create", KubernetesIdentity.Controller)]
    public Task<JsonObject> CreatePushSecretAsync(JsonObject raw, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(raw);
        var call = $"create pushsecrets {ns}/{name}";
        KubernetesNames.Check(name, "name", call);
        return SendAsync(HttpMethod.Post, Namespaced(PushSecretPath, ns, "pushsecrets", null, call), call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    /// <summary>Deletes a PushSecret; false if it was already gone.</summary>
    [KubernetesApiCall("external-secrets.io", "pushsecrets", "delete", KubernetesIdentity.Controller)]
    public async Task<bool> DeletePushSecretAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = $"delete pushsecrets {@namespace}/{name}";
        try
        {
            await _transport.SendAsync(new KubernetesRequest(HttpMethod.Delete, Namespaced(PushSecretPath, @namespace, "pushsecrets", name, call), call), _credentials, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
        {
            return false;
        }
    }
}
