using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// The Kubernetes calls the ExternalSecret and store reconcilers make, as the controller's ServiceAccount. Covers:
/// <list type="bullet">
/// <item>GET/PUT /apis/external-secrets.io/v1/namespaces/{ns}/externalsecrets/{name}, PUT .../{name}/status</item>
/// <item>GET /apis/external-secrets.io/v1/namespaces/{ns}/secretstores/{name}, PUT .../{name}/status</item>
/// <item>GET /apis/external-secrets.io/v1/clustersecretstores/{name}, PUT .../{name}/status</item>
/// <item>GET/POST/PUT/PATCH (merge)/DELETE /api/v1/namespaces/{ns}/secrets[/{name}] (writes with <c>fieldManager</c>), GET with <c>labelSelector</c></item>
/// <item>GET /api/v1/namespaces/{ns}/configmaps/{name}, GET /api/v1/namespaces/{name}</item>
/// <item>POST /api/v1/namespaces/{ns}/events, PATCH (merge) /api/v1/namespaces/{ns}/events/{name}</item>
/// </list>
/// Gets return null for 404; other errors are <see cref="KubernetesApiException"/> (a stale write is <c>IsStaleUpdate</c>).
/// Owns its transport (the controller's connection pool).
/// </summary>
internal sealed partial class ExternalSecretsKubeApi : IDisposable
{
    private const string EsoPath = "/apis/external-secrets.io/v1";
    private const string MergePatch = "application/merge-patch+json";

    private readonly KubernetesTransport _transport;
    private readonly IBearerTokenSource _credentials;

    public ExternalSecretsKubeApi(KubernetesTransport transport, IBearerTokenSource credentials)
    {
        _transport = transport;
        _credentials = credentials;
    }

    [KubernetesApiCall("external-secrets.io", "externalsecrets", "get", KubernetesIdentity.Controller)]
    public async Task<ExternalSecretDocument?> GetExternalSecretAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = $"get externalsecrets {@namespace}/{name}";
        var raw = await GetOrNullAsync(Namespaced(EsoPath, @namespace, "externalsecrets", name, call), call, EsoJsonContext.Default.JsonObject, cancellationToken).ConfigureAwait(false);
        return raw is null ? null : ExternalSecretDocument.From(raw);
    }

    /// <summary>Writes the whole object (metadata and spec; the API server ignores status here).</summary>
    [KubernetesApiCall("external-secrets.io", "externalsecrets", "update", KubernetesIdentity.Controller)]
    public async Task<ExternalSecretDocument> UpdateExternalSecretAsync(JsonObject raw, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(raw);
        var call = $"update externalsecrets {ns}/{name}";
        var result = await SendAsync(HttpMethod.Put, Namespaced(EsoPath, ns, "externalsecrets", name, call), call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken).ConfigureAwait(false);
        return ExternalSecretDocument.From(result);
    }

    /// <summary>A full status update: <paramref name="raw"/> carries the resourceVersion read, so a concurrent write is a 409.</summary>
    [KubernetesApiCall("external-secrets.io", "externalsecrets/status", "update", KubernetesIdentity.Controller)]
    public async Task<ExternalSecretDocument> UpdateExternalSecretStatusAsync(JsonObject raw, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(raw);
        var call = $"update externalsecrets/status {ns}/{name}";
        var result = await SendAsync(HttpMethod.Put, Namespaced(EsoPath, ns, "externalsecrets", name, call) + "/status", call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken).ConfigureAwait(false);
        return ExternalSecretDocument.From(result);
    }

    [KubernetesApiCall("external-secrets.io", "secretstores", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetSecretStoreAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = $"get secretstores {@namespace}/{name}";
        return GetOrNullAsync(Namespaced(EsoPath, @namespace, "secretstores", name, call), call, EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    [KubernetesApiCall("external-secrets.io", "clustersecretstores", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetClusterSecretStoreAsync(string name, CancellationToken cancellationToken)
    {
        var call = $"get clustersecretstores {name}";
        return GetOrNullAsync($"{EsoPath}/clustersecretstores/{KubernetesNames.Check(name, "name", call)}", call, EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    [KubernetesApiCall("external-secrets.io", "secretstores/status", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateSecretStoreStatusAsync(JsonObject raw, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(raw);
        var call = $"update secretstores/status {ns}/{name}";
        return SendAsync(HttpMethod.Put, Namespaced(EsoPath, ns, "secretstores", name, call) + "/status", call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    [KubernetesApiCall("external-secrets.io", "clustersecretstores/status", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateClusterSecretStoreStatusAsync(JsonObject raw, CancellationToken cancellationToken)
    {
        var (_, name) = NameOf(raw);
        var call = $"update clustersecretstores/status {name}";
        return SendAsync(HttpMethod.Put, $"{EsoPath}/clustersecretstores/{KubernetesNames.Check(name, "name", call)}/status", call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    [KubernetesApiCall("", "secrets", "get", KubernetesIdentity.Controller)]
    public Task<ManagedSecret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = $"get secrets {@namespace}/{name}";
        return GetOrNullAsync(Namespaced("/api/v1", @namespace, "secrets", name, call), call, EsoJsonContext.Default.ManagedSecret, cancellationToken);
    }

    /// <summary>Secrets in <paramref name="namespace"/> matching an equality label selector (<c>k=v,k2=v2</c>).</summary>
    [KubernetesApiCall("", "secrets", "list", KubernetesIdentity.Controller)]
    public async Task<IReadOnlyList<ManagedSecret>> ListSecretsAsync(string @namespace, string labelSelector, CancellationToken cancellationToken)
    {
        var call = $"list secrets {@namespace}";
        var path = $"{Namespaced("/api/v1", @namespace, "secrets", null, call)}?labelSelector={Uri.EscapeDataString(labelSelector)}";
        var list = await _transport.SendAsync(new KubernetesRequest(HttpMethod.Get, path, call), _credentials, EsoJsonContext.Default.ManagedSecretList, cancellationToken).ConfigureAwait(false);
        return list.Items ?? [];
    }

    [KubernetesApiCall("", "secrets", "create", KubernetesIdentity.Controller)]
    public Task<ManagedSecret> CreateSecretAsync(ManagedSecret secret, string fieldManager, CancellationToken cancellationToken)
    {
        var ns = secret.Metadata.Namespace ?? string.Empty;
        var name = secret.Metadata.Name ?? string.Empty;
        var call = $"create secrets {ns}/{name}";
        KubernetesNames.Check(name, "name", call);
        var path = $"{Namespaced("/api/v1", ns, "secrets", null, call)}?fieldManager={Uri.EscapeDataString(fieldManager)}";
        return SendAsync(HttpMethod.Post, path, call, JsonSerializer.SerializeToUtf8Bytes(secret, EsoJsonContext.Default.ManagedSecret), EsoJsonContext.Default.ManagedSecret, cancellationToken);
    }

    [KubernetesApiCall("", "secrets", "update", KubernetesIdentity.Controller)]
    public Task<ManagedSecret> UpdateSecretAsync(ManagedSecret secret, string fieldManager, CancellationToken cancellationToken)
    {
        var ns = secret.Metadata.Namespace ?? string.Empty;
        var name = secret.Metadata.Name ?? string.Empty;
        var call = $"update secrets {ns}/{name}";
        var path = $"{Namespaced("/api/v1", ns, "secrets", name, call)}?fieldManager={Uri.EscapeDataString(fieldManager)}";
        return SendAsync(HttpMethod.Put, path, call, JsonSerializer.SerializeToUtf8Bytes(secret, EsoJsonContext.Default.ManagedSecret), EsoJsonContext.Default.ManagedSecret, cancellationToken);
    }

    /// <summary>A JSON merge patch (RFC 7386) with <c>fieldManager</c>.</summary>
    [KubernetesApiCall("", "secrets", "patch", KubernetesIdentity.Controller)]
    public Task<ManagedSecret> PatchSecretAsync(string @namespace, string name, JsonObject mergePatch, string fieldManager, CancellationToken cancellationToken)
    {
        var call = $"patch secrets {@namespace}/{name}";
        var path = $"{Namespaced("/api/v1", @namespace, "secrets", name, call)}?fieldManager={Uri.EscapeDataString(fieldManager)}";
        return _transport.SendAsync(new KubernetesRequest(HttpMethod.Patch, path, call, Serialize(mergePatch), MergePatch), _credentials, EsoJsonContext.Default.ManagedSecret, cancellationToken);
    }

    /// <summary>Deletes a Secret; false if it was already gone.</summary>
    [KubernetesApiCall("", "secrets", "delete", KubernetesIdentity.Controller)]
    public async Task<bool> DeleteSecretAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = $"delete secrets {@namespace}/{name}";
        try
        {
            await _transport.SendAsync(new KubernetesRequest(HttpMethod.Delete, Namespaced("/api/v1", @namespace, "secrets", name, call), call), _credentials, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
        {
            return false;
        }
    }

    [KubernetesApiCall("", "configmaps", "get", KubernetesIdentity.Controller)]
    public Task<KubeConfigMap?> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = $"get configmaps {@namespace}/{name}";
        return GetOrNullAsync(Namespaced("/api/v1", @namespace, "configmaps", name, call), call, EsoJsonContext.Default.KubeConfigMap, cancellationToken);
    }

    [KubernetesApiCall("", "namespaces", "get", KubernetesIdentity.Controller)]
    public Task<NamespaceResource?> GetNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        var call = $"get namespaces {name}";
        return GetOrNullAsync($"/api/v1/namespaces/{KubernetesNames.Check(name, "name", call)}", call, EsoJsonContext.Default.NamespaceResource, cancellationToken);
    }

    [KubernetesApiCall("", "events", "create", KubernetesIdentity.Controller)]
    public Task<KubeEvent> CreateEventAsync(KubeEvent @event, CancellationToken cancellationToken)
    {
        var ns = @event.Metadata?.Namespace ?? string.Empty;
        var call = $"create events {ns}/{@event.Metadata?.Name}";
        return SendAsync(HttpMethod.Post, Namespaced("/api/v1", ns, "events", null, call), call, JsonSerializer.SerializeToUtf8Bytes(@event, EsoJsonContext.Default.KubeEvent), EsoJsonContext.Default.KubeEvent, cancellationToken);
    }

    /// <summary>Bumps a repeated event's count instead of creating another event.</summary>
    [KubernetesApiCall("", "events", "patch", KubernetesIdentity.Controller)]
    public Task<KubeEvent> PatchEventAsync(string @namespace, string name, JsonObject mergePatch, CancellationToken cancellationToken)
    {
        var call = $"patch events {@namespace}/{name}";
        return _transport.SendAsync(new KubernetesRequest(HttpMethod.Patch, Namespaced("/api/v1", @namespace, "events", name, call), call, Serialize(mergePatch), MergePatch), _credentials, EsoJsonContext.Default.KubeEvent, cancellationToken);
    }

    public void Dispose() => _transport.Dispose();

    private async Task<T?> GetOrNullAsync<T>(string path, string call, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await _transport.SendAsync(new KubernetesRequest(HttpMethod.Get, path, call), _credentials, type, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
        {
            return null;
        }
    }

    private Task<T> SendAsync<T>(HttpMethod method, string path, string call, byte[] body, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        _transport.SendAsync(new KubernetesRequest(method, path, call, body), _credentials, type, cancellationToken);

    private static byte[] Serialize(JsonObject value) => JsonSerializer.SerializeToUtf8Bytes(value, EsoJsonContext.Default.JsonObject);

    private static (string Namespace, string Name) NameOf(JsonObject raw) =>
        (raw["metadata"]?["namespace"]?.GetValue<string>() ?? string.Empty, raw["metadata"]?["name"]?.GetValue<string>() ?? string.Empty);

    private static string Namespaced(string prefix, string @namespace, string resource, string? name, string call)
    {
        var path = $"{prefix}/namespaces/{KubernetesNames.Check(@namespace, "namespace", call)}/{resource}";
        return name is null ? path : $"{path}/{KubernetesNames.Check(name, "name", call)}";
    }
}
