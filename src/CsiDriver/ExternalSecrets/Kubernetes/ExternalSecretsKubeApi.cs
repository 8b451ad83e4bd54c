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
internal sealed partial class ExternalSecretsKubeApi(KubernetesTransport transport, IBearerTokenSource credentials) : KubeObjectCalls(transport, credentials), IDisposable
{
    private const string EsoPath = "/apis/external-secrets.io/v1";
    private const string MergePatch = "application/merge-patch+json";

    [KubernetesApiCall("external-secrets.io", "externalsecrets", "get", KubernetesIdentity.Controller)]
    public async Task<ExternalSecretDocument?> GetExternalSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        await GetObjectAsync(EsoPath, "externalsecrets", @namespace, name, cancellationToken).ConfigureAwait(false) is { } raw ? ExternalSecretDocument.From(raw) : null;

    /// <summary>Writes the whole object (metadata and spec; the API server ignores status here).</summary>
    [KubernetesApiCall("external-secrets.io", "externalsecrets", "update", KubernetesIdentity.Controller)]
    public async Task<ExternalSecretDocument> UpdateExternalSecretAsync(JsonObject raw, CancellationToken cancellationToken) =>
        ExternalSecretDocument.From(await PutObjectAsync(EsoPath, "externalsecrets", null, raw, namespaced: true, cancellationToken).ConfigureAwait(false));

    /// <summary>A full status update: <paramref name="raw"/> carries the resourceVersion read, so a concurrent write is a 409.</summary>
    [KubernetesApiCall("external-secrets.io", "externalsecrets/status", "update", KubernetesIdentity.Controller)]
    public async Task<ExternalSecretDocument> UpdateExternalSecretStatusAsync(JsonObject raw, CancellationToken cancellationToken) =>
        ExternalSecretDocument.From(await PutObjectAsync(EsoPath, "externalsecrets", "status", raw, namespaced: true, cancellationToken).ConfigureAwait(false));

    [KubernetesApiCall("external-secrets.io", "secretstores", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetSecretStoreAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetObjectAsync(EsoPath, "secretstores", @namespace, name, cancellationToken);

    [KubernetesApiCall("external-secrets.io", "clustersecretstores", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetClusterSecretStoreAsync(string name, CancellationToken cancellationToken) =>
        GetObjectAsync(EsoPath, "clustersecretstores", null, name, cancellationToken);

    [KubernetesApiCall("external-secrets.io", "secretstores/status", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateSecretStoreStatusAsync(JsonObject raw, CancellationToken cancellationToken) =>
        PutObjectAsync(EsoPath, "secretstores", "status", raw, namespaced: true, cancellationToken);

    [KubernetesApiCall("external-secrets.io", "clustersecretstores/status", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateClusterSecretStoreStatusAsync(JsonObject raw, CancellationToken cancellationToken) =>
        PutObjectAsync(EsoPath, "clustersecretstores", "status", raw, namespaced: false, cancellationToken);

    [KubernetesApiCall("", "secrets", "get", KubernetesIdentity.Controller)]
    public Task<ManagedSecret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetOrNullAsync("/api/v1", "secrets", @namespace, name, EsoJsonContext.Default.ManagedSecret, cancellationToken);

    /// <summary>Secrets in <paramref name="namespace"/> matching an equality label selector (<c>k=v,k2=v2</c>).</summary>
    [KubernetesApiCall("", "secrets", "list", KubernetesIdentity.Controller)]
    public async Task<IReadOnlyList<ManagedSecret>> ListSecretsAsync(string @namespace, string labelSelector, CancellationToken cancellationToken)
    {
        var call = $"list secrets {@namespace}";
        var path = $"{Namespaced("/api/v1", @namespace, "secrets", null, call)}?labelSelector={Uri.EscapeDataString(labelSelector)}";
        var list = await SendAsync(HttpMethod.Get, path, call, null, EsoJsonContext.Default.ManagedSecretList, cancellationToken).ConfigureAwait(false);
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
        return Transport.SendAsync(new KubernetesRequest(HttpMethod.Patch, path, call, Serialize(mergePatch), MergePatch), Credentials, EsoJsonContext.Default.ManagedSecret, cancellationToken);
    }

    /// <summary>Deletes a Secret; false if it was already gone.</summary>
    [KubernetesApiCall("", "secrets", "delete", KubernetesIdentity.Controller)]
    public Task<bool> DeleteSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        DeleteObjectAsync("/api/v1", "secrets", @namespace, name, cancellationToken);

    [KubernetesApiCall("", "configmaps", "get", KubernetesIdentity.Controller)]
    public Task<KubeConfigMap?> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetOrNullAsync("/api/v1", "configmaps", @namespace, name, EsoJsonContext.Default.KubeConfigMap, cancellationToken);

    [KubernetesApiCall("", "namespaces", "get", KubernetesIdentity.Controller)]
    public Task<NamespaceResource?> GetNamespaceAsync(string name, CancellationToken cancellationToken) =>
        GetOrNullAsync("/api/v1", "namespaces", null, name, EsoJsonContext.Default.NamespaceResource, cancellationToken);

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
        return Transport.SendAsync(new KubernetesRequest(HttpMethod.Patch, Namespaced("/api/v1", @namespace, "events", name, call), call, Serialize(mergePatch), MergePatch), Credentials, EsoJsonContext.Default.KubeEvent, cancellationToken);
    }

    public void Dispose() => Transport.Dispose();

    /// <summary>One object as raw JSON, or null for 404; <paramref name="namespace"/> is null for a cluster-scoped resource.</summary>
    private Task<JsonObject?> GetObjectAsync(string prefix, string resource, string? @namespace, string name, CancellationToken cancellationToken) =>
        GetOrNullAsync(prefix, resource, @namespace, name, EsoJsonContext.Default.JsonObject, cancellationToken);

    /// <summary>A PUT of the whole object (or of its <paramref name="subresource"/>), named by its own metadata.</summary>
    private Task<JsonObject> PutObjectAsync(string prefix, string resource, string? subresource, JsonObject raw, bool namespaced, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(raw);
        var scope = namespaced ? ns : null;
        var call = CallText("update", subresource is null ? resource : $"{resource}/{subresource}", scope, name);
        var path = ObjectPath(prefix, resource, scope, name, call);
        return SendAsync(HttpMethod.Put, subresource is null ? path : $"{path}/{subresource}", call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    /// <summary>A POST of a namespaced object named by its own metadata.</summary>
    private Task<JsonObject> CreateObjectAsync(string prefix, string resource, JsonObject raw, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(raw);
        var call = CallText("create", resource, ns, name);
        KubernetesNames.Check(name, "name", call);
        return SendAsync(HttpMethod.Post, Namespaced(prefix, ns, resource, null, call), call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    private static byte[] Serialize(JsonObject value) => JsonSerializer.SerializeToUtf8Bytes(value, EsoJsonContext.Default.JsonObject);

    private static (string Namespace, string Name) NameOf(JsonObject raw) =>
        (raw["metadata"]?["namespace"]?.GetValue<string>() ?? string.Empty, raw["metadata"]?["name"]?.GetValue<string>() ?? string.Empty);
}
