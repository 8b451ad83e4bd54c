using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// The Kubernetes calls the reconcilers make, as the controller's ServiceAccount. Covers:
/// <list type="bullet">
/// <item>GET/PUT /apis/external-secrets.io/v1/namespaces/{ns}/externalsecrets/{name}, PUT .../{name}/status, POST .../externalsecrets, DELETE .../{name}</item>
/// <item>GET /apis/external-secrets.io/v1/namespaces/{ns}/secretstores[/{name}], PUT .../{name}/status</item>
/// <item>GET /apis/external-secrets.io/v1/clustersecretstores[/{name}], PUT .../{name}/status</item>
/// <item>GET/PUT /apis/external-secrets.io/v1/clusterexternalsecrets/{name}, PATCH (merge) .../{name}/status</item>
/// <item>GET/PUT /apis/external-secrets.io/v1alpha1/namespaces/{ns}/pushsecrets/{name}, PUT .../{name}/status, POST .../pushsecrets, DELETE .../{name}</item>
/// <item>GET /apis/external-secrets.io/v1alpha1/clusterpushsecrets/{name}, PUT .../{name}/status</item>
/// <item>GET/POST/PUT/PATCH (merge)/DELETE /api/v1/namespaces/{ns}/secrets[/{name}] (writes with <c>fieldManager</c>), GET with <c>labelSelector</c></item>
/// <item>GET /api/v1/namespaces/{ns}/configmaps/{name}, GET /api/v1/namespaces[/{name}]</item>
/// <item>POST /api/v1/namespaces/{ns}/events, PATCH (merge) /api/v1/namespaces/{ns}/events/{name}</item>
/// </list>
/// Gets return null for 404; other errors are <see cref="KubernetesApiException"/> (a stale write is <c>IsStaleUpdate</c>).
/// Owns its transport (the controller's connection pool).
/// </summary>
internal sealed partial class ExternalSecretsKubeApi(KubernetesTransport transport, IBearerTokenSource credentials) : KubeObjectCalls(transport, credentials), IDisposable
{
    private const string Group = "external-secrets.io";
    private const string MergePatch = "application/merge-patch+json";

    /// <summary>One object as raw JSON, or null for 404; <paramref name="namespace"/> is ignored for a cluster-scoped collection.</summary>
    [KubernetesApiCall(Group, "externalsecrets", "get", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "secretstores", "get", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clustersecretstores", "get", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clusterexternalsecrets", "get", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "pushsecrets", "get", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clusterpushsecrets", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetAsync(EsoCollection collection, string? @namespace, string name, CancellationToken cancellationToken) =>
        GetObjectAsync(collection.Prefix, collection.Plural, collection.Namespaced ? @namespace ?? string.Empty : null, name, cancellationToken);

    /// <summary>
    /// Writes the whole object (metadata and spec: the finalizer; the API server ignores status here).
    /// <paramref name="raw"/> carries the resourceVersion read, so a concurrent write is a 409.
    /// </summary>
    [KubernetesApiCall(Group, "externalsecrets", "update", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clusterexternalsecrets", "update", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "pushsecrets", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateAsync(EsoCollection collection, JsonObject raw, CancellationToken cancellationToken) =>
        PutObjectAsync(collection.Prefix, collection.Plural, null, raw, collection.Namespaced, cancellationToken);

    /// <summary>A full status update: <paramref name="raw"/> carries the resourceVersion read, so a concurrent write is a 409.</summary>
    [KubernetesApiCall(Group, "externalsecrets/status", "update", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "secretstores/status", "update", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clustersecretstores/status", "update", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "pushsecrets/status", "update", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clusterpushsecrets/status", "update", KubernetesIdentity.Controller)]
    public Task<JsonObject> UpdateStatusAsync(EsoCollection collection, JsonObject raw, CancellationToken cancellationToken) =>
        PutObjectAsync(collection.Prefix, collection.Plural, "status", raw, collection.Namespaced, cancellationToken);

    /// <summary>A POST of a namespaced object named by its own metadata (what a cluster-scoped resource stamps out).</summary>
    [KubernetesApiCall(Group, "externalsecrets", "create", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "pushsecrets", "create", KubernetesIdentity.Controller)]
    public Task<JsonObject> CreateAsync(EsoCollection collection, JsonObject raw, CancellationToken cancellationToken)
    {
        var (ns, name) = NameOf(raw);
        var call = CallText("create", collection.Plural, ns, name);
        KubernetesNames.Check(name, "name", call);
        return SendAsync(HttpMethod.Post, Namespaced(collection.Prefix, ns, collection.Plural, null, call), call, Serialize(raw), EsoJsonContext.Default.JsonObject, cancellationToken);
    }

    /// <summary>Deletes a namespaced object; false if it was already gone.</summary>
    [KubernetesApiCall(Group, "externalsecrets", "delete", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "pushsecrets", "delete", KubernetesIdentity.Controller)]
    public Task<bool> DeleteAsync(EsoCollection collection, string @namespace, string name, CancellationToken cancellationToken) =>
        DeleteObjectAsync(collection.Prefix, collection.Plural, @namespace, name, cancellationToken);

    /// <summary>Every object of a collection (in <paramref name="namespace"/> when namespaced), as raw objects: the caller filters.</summary>
    [KubernetesApiCall(Group, "secretstores", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clustersecretstores", "list", KubernetesIdentity.Controller)]
    public async Task<IReadOnlyList<JsonObject>> ListAsync(EsoCollection collection, string @namespace, CancellationToken cancellationToken)
    {
        var call = collection.Namespaced ? $"list {collection.Plural} {@namespace}" : $"list {collection.Plural}";
        var path = collection.Namespaced ? Namespaced(collection.Prefix, @namespace, collection.Plural, null, call) : $"{collection.Prefix}/{collection.Plural}";
        var list = await SendAsync(HttpMethod.Get, path, call, null, PushSecretJsonContext.Default.SecretStoreList, cancellationToken).ConfigureAwait(false);
        return list.Items ?? [];
    }

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

    /// <summary>A merge patch of <c>status</c>, as the operator writes it.</summary>
    [KubernetesApiCall(Group, "clusterexternalsecrets/status", "patch", KubernetesIdentity.Controller)]
    public Task<JsonObject> PatchClusterExternalSecretStatusAsync(string name, JsonObject mergePatch, CancellationToken cancellationToken)
    {
        var call = $"patch clusterexternalsecrets/status {name}";
        var path = $"{EsoCollection.V1}/clusterexternalsecrets/{KubernetesNames.Check(name, "name", call)}/status";
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

    private static byte[] Serialize(JsonObject value) => JsonSerializer.SerializeToUtf8Bytes(value, EsoJsonContext.Default.JsonObject);

    private static (string Namespace, string Name) NameOf(JsonObject raw) =>
        (raw["metadata"]?["namespace"]?.GetValue<string>() ?? string.Empty, raw["metadata"]?["name"]?.GetValue<string>() ?? string.Empty);
}
