using CsiDriver.Spec;

namespace CsiDriver.Kubernetes;

/// <summary>
/// Typed calls to the Kubernetes API, as the driver (or, via <see cref="AsPod"/>, as a pod). Covers:
/// <list type="bullet">
/// <item>GET    /apis/secrets-store.csi.x-k8s.io/v1/namespaces/{ns}/secretproviderclasses/{name}</item>
/// <item>POST/GET/PUT/DELETE /apis/secrets-store.csi.x-k8s.io/v1/namespaces/{ns}/secretproviderclasspodstatuses[/{name}]</item>
/// <item>GET    /api/v1/namespaces/{ns}/pods/{name}, /api/v1/namespaces/{ns}/serviceaccounts/{name}</item>
/// <item>POST/GET/PATCH (merge) /api/v1/namespaces/{ns}/secrets[/{name}]</item>
/// <item>GET    /api/v1/namespaces/{ns}/configmaps/{name}</item>
/// <item>POST /api/v1/namespaces/{ns}/events, PATCH (merge) /api/v1/namespaces/{ns}/events/{name}</item>
/// </list>
/// Errors are <see cref="KubernetesApiException"/>; retries for 429/5xx live in the transport, and
/// <see cref="RetryOnConflictAsync{T}"/> runs a read-modify-write again when another writer got there first.
/// </summary>
internal sealed class KubernetesClient(KubernetesTransport transport, KubernetesTransport podTransport, IBearerTokenSource credentials, KubernetesClientOptions options, ILogger logger)
{
    private const string SpcGroupPath = "/apis/secrets-store.csi.x-k8s.io/v1";
    private const string CoreGroupPath = "/api/v1";
    private const string MergePatch = "application/merge-patch+json";

    /// <summary>
    /// A client that authenticates with a pod's service-account token. It uses a connection pool
    /// without the driver's client certificate, so the API server cannot mistake the caller for the driver.
    /// </summary>
    public KubernetesClient AsPod(string bearerToken) => new(podTransport, podTransport, new StaticBearerToken(bearerToken), options, logger);

    [KubernetesApiCall("secrets-store.csi.x-k8s.io", "secretproviderclasses", "get", KubernetesIdentity.Driver)]
    public Task<SecretProviderClassDocument> GetSecretProviderClassAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(SpcGroupPath, "secretproviderclasses", @namespace, name, SpecJsonContext.Default.SecretProviderClassDocument, cancellationToken);

    [KubernetesApiCall("", "pods", "get", KubernetesIdentity.Driver)]
    public Task<KubePod> GetPodAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(CoreGroupPath, "pods", @namespace, name, KubernetesJsonContext.Default.KubePod, cancellationToken);

    [KubernetesApiCall("", "serviceaccounts", "get", KubernetesIdentity.Driver)]
    public Task<KubeServiceAccount> GetServiceAccountAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(CoreGroupPath, "serviceaccounts", @namespace, name, KubernetesJsonContext.Default.KubeServiceAccount, cancellationToken);

    [KubernetesApiCall("secrets-store.csi.x-k8s.io", "secretproviderclasspodstatuses", "get", KubernetesIdentity.Driver)]
    public Task<KubeSecretProviderClassPodStatus> GetPodStatusAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(SpcGroupPath, "secretproviderclasspodstatuses", @namespace, name, KubernetesJsonContext.Default.KubeSecretProviderClassPodStatus, cancellationToken);

    [KubernetesApiCall("secrets-store.csi.x-k8s.io", "secretproviderclasspodstatuses", "create", KubernetesIdentity.Driver)]
    public Task<KubeSecretProviderClassPodStatus> CreatePodStatusAsync(KubeSecretProviderClassPodStatus status, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Post, SpcGroupPath, "secretproviderclasspodstatuses", status.Metadata, status, KubernetesJsonContext.Default.KubeSecretProviderClassPodStatus, cancellationToken);

    [KubernetesApiCall("secrets-store.csi.x-k8s.io", "secretproviderclasspodstatuses", "update", KubernetesIdentity.Driver)]
    public Task<KubeSecretProviderClassPodStatus> UpdatePodStatusAsync(KubeSecretProviderClassPodStatus status, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Put, SpcGroupPath, "secretproviderclasspodstatuses", status.Metadata, status, KubernetesJsonContext.Default.KubeSecretProviderClassPodStatus, cancellationToken);

    /// <summary>Deletes the status; false if it was already gone.</summary>
    [KubernetesApiCall("secrets-store.csi.x-k8s.io", "secretproviderclasspodstatuses", "delete", KubernetesIdentity.Driver)]
    public async Task<bool> DeletePodStatusAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = $"delete secretproviderclasspodstatuses {@namespace}/{name}";
        var request = new KubernetesRequest(HttpMethod.Delete, Path(SpcGroupPath, @namespace, "secretproviderclasspodstatuses", name, call), call);
        return await OrNullAsync(transport.SendAsync(request, credentials, cancellationToken)).ConfigureAwait(false) is not null;
    }

    [KubernetesApiCall("", "secrets", "get", KubernetesIdentity.Sync)]
    [KubernetesApiCall("", "secrets", "get", KubernetesIdentity.Pod)]
    public Task<KubeSecret> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(CoreGroupPath, "secrets", @namespace, name, KubernetesJsonContext.Default.KubeSecret, cancellationToken);

    [KubernetesApiCall("", "secrets", "create", KubernetesIdentity.Sync)]
    public Task<KubeSecret> CreateSecretAsync(KubeSecret secret, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Post, CoreGroupPath, "secrets", secret.Metadata, secret, KubernetesJsonContext.Default.KubeSecret, cancellationToken);

    /// <summary>A JSON merge patch (RFC 7386); include <c>metadata.resourceVersion</c> in it for an optimistic lock.</summary>
    [KubernetesApiCall("", "secrets", "patch", KubernetesIdentity.Sync)]
    public Task<KubeSecret> PatchSecretAsync(string @namespace, string name, JsonObject mergePatch, CancellationToken cancellationToken) =>
        PatchAsync("secrets", @namespace, name, mergePatch, KubernetesJsonContext.Default.KubeSecret, cancellationToken);

    [KubernetesApiCall("", "configmaps", "get", KubernetesIdentity.Pod)]
    public Task<KubeConfigMap> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(CoreGroupPath, "configmaps", @namespace, name, KubernetesJsonContext.Default.KubeConfigMap, cancellationToken);

    [KubernetesApiCall("", "events", "create", KubernetesIdentity.Driver)]
    public Task<KubeEvent> CreateEventAsync(KubeEvent @event, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Post, CoreGroupPath, "events", @event.Metadata, @event, KubernetesJsonContext.Default.KubeEvent, cancellationToken);

    /// <summary>Bumps a repeated event's count and last timestamp instead of creating another event.</summary>
    [KubernetesApiCall("", "events", "patch", KubernetesIdentity.Driver)]
    public Task<KubeEvent> PatchEventAsync(string @namespace, string name, JsonObject mergePatch, CancellationToken cancellationToken) =>
        PatchAsync("events", @namespace, name, mergePatch, KubernetesJsonContext.Default.KubeEvent, cancellationToken);

    /// <summary>
    /// Runs <paramref name="attempt"/> (a read-modify-write) again when another writer got there first: a 409 for a
    /// stale resourceVersion, or for a create of an object someone just created (the next attempt reads it), up to
    /// <see cref="KubernetesClientOptions.MaxConflictAttempts"/> attempts in all.
    /// </summary>
    public async Task<T> RetryOnConflictAsync<T>(Func<CancellationToken, Task<T>> attempt, string call, CancellationToken cancellationToken)
    {
        for (var attempts = 1; ; attempts++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.Conflict && attempts < options.MaxConflictAttempts)
            {
                KubernetesLog.ConflictRetry(logger, call, attempts);
            }
        }
    }

    /// <summary>What the call returns, or null when the API answers 404.</summary>
    public static async Task<T?> OrNullAsync<T>(Task<T> call)
        where T : class
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
        {
            return null;
        }
    }

    private Task<T> GetAsync<T>(string prefix, string resource, string @namespace, string name, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var call = $"get {resource} {@namespace}/{name}";
        return transport.SendAsync(new KubernetesRequest(HttpMethod.Get, Path(prefix, @namespace, resource, name, call), call), credentials, type, cancellationToken);
    }

    /// <summary>A create (POST to the collection) or an update (PUT to the object) of <paramref name="body"/>.</summary>
    private Task<T> WriteAsync<T>(HttpMethod method, string prefix, string resource, KubeObjectMeta? metadata, T body, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var (ns, name) = (metadata?.Namespace ?? string.Empty, metadata?.Name ?? string.Empty);
        var create = method == HttpMethod.Post;
        var call = $"{(create ? "create" : "update")} {resource} {ns}/{name}";
        var path = Path(prefix, ns, resource, name, call);
        var request = new KubernetesRequest(method, create ? path[..path.LastIndexOf('/')] : path, call, JsonSerializer.SerializeToUtf8Bytes(body, type));
        return transport.SendAsync(request, credentials, type, cancellationToken);
    }

    private Task<T> PatchAsync<T>(string resource, string @namespace, string name, JsonObject mergePatch, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var call = $"patch {resource} {@namespace}/{name}";
        var body = JsonSerializer.SerializeToUtf8Bytes(mergePatch, KubernetesJsonContext.Default.JsonObject);
        return transport.SendAsync(new KubernetesRequest(HttpMethod.Patch, Path(CoreGroupPath, @namespace, resource, name, call), call, body, MergePatch), credentials, type, cancellationToken);
    }

    private static string Path(string prefix, string @namespace, string resource, string? name, string call)
    {
        var ns = KubernetesNames.Check(@namespace, "namespace", call);
        var path = $"{prefix}/namespaces/{ns}/{resource}";
        return name is null ? path : $"{path}/{KubernetesNames.Check(name, "name", call)}";
    }
}
