using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// The Kubernetes API calls the store providers make as the controller's ServiceAccount. Covers:
/// <list type="bullet">
/// <item>GET  /api/v1/namespaces/{ns}/secrets/{name} (credentials and CA bundles a store references)</item>
/// <item>GET  /api/v1/namespaces/{ns}/configmaps/{name} (a <c>caProvider</c> of type ConfigMap)</item>
/// <item>GET  /api/v1/namespaces/{ns}/serviceaccounts/{name} (annotations of a cloud store's <c>serviceAccountRef</c>)</item>
/// <item>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token (TokenRequest, for <c>serviceAccountRef</c> auth)</item>
/// </list>
/// Errors are <see cref="KubernetesApiException"/>; retries for 429/5xx live in the transport.
/// </summary>
internal sealed class StoreReferenceApi(KubernetesTransport transport, IBearerTokenSource credentials) : KubeObjectCalls(transport, credentials), IDisposable
{
    private const string CorePath = "/api/v1";

    [KubernetesApiCall("", "secrets", "get", KubernetesIdentity.Controller)]
    public Task<KubeSecret> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(CorePath, "secrets", @namespace, name, KubernetesJsonContext.Default.KubeSecret, cancellationToken);

    [KubernetesApiCall("", "configmaps", "get", KubernetesIdentity.Controller)]
    public Task<KubeConfigMap> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(CorePath, "configmaps", @namespace, name, KubernetesJsonContext.Default.KubeConfigMap, cancellationToken);

    /// <summary>A ServiceAccount, for the annotations cloud stores read (IRSA role, Azure client id, GCP service account).</summary>
    [KubernetesApiCall("", "serviceaccounts", "get", KubernetesIdentity.Controller)]
    public Task<KubeServiceAccount> GetServiceAccountAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync(CorePath, "serviceaccounts", @namespace, name, KubernetesJsonContext.Default.KubeServiceAccount, cancellationToken);

    /// <summary>A token for the service account, as kubelet gets one for a pod: bound to the audiences and lifetime asked for.</summary>
    [KubernetesApiCall("", "serviceaccounts/token", "create", KubernetesIdentity.Controller)]
    public Task<TokenRequest> CreateTokenAsync(string @namespace, string serviceAccount, IReadOnlyList<string> audiences, long expirationSeconds, CancellationToken cancellationToken)
    {
        var call = CallText("create", "serviceaccounts/token", @namespace, serviceAccount);
        var request = new TokenRequest
        {
            Spec = new TokenRequestSpec { Audiences = audiences.Count == 0 ? null : [.. audiences], ExpirationSeconds = expirationSeconds },
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(request, StoreReferenceJsonContext.Default.TokenRequest);
        return SendAsync(HttpMethod.Post, Namespaced(CorePath, @namespace, "serviceaccounts", serviceAccount, call) + "/token", call, body, StoreReferenceJsonContext.Default.TokenRequest, cancellationToken);
    }

    public void Dispose() => Transport.Dispose();
}

/// <summary>An <c>authentication.k8s.io/v1</c> TokenRequest. <see cref="ToString"/> never shows the token.</summary>
internal sealed class TokenRequest
{
    public string? ApiVersion { get; set; } = "authentication.k8s.io/v1";

    public string? Kind { get; set; } = "TokenRequest";

    public TokenRequestSpec? Spec { get; set; }

    public TokenRequestStatus? Status { get; set; }

    public override string ToString() => $"TokenRequest (expires {Status?.ExpirationTimestamp})";
}

/// <summary><c>TokenRequest.spec</c>.</summary>
/// <param name="Audiences">Null asks for the API server's own audience.</param>
internal sealed record TokenRequestSpec(List<string>? Audiences = null, long? ExpirationSeconds = null);

/// <summary><c>TokenRequest.status</c>: the token and when it stops being valid.</summary>
internal sealed class TokenRequestStatus
{
    public string? Token { get; set; }

    public DateTimeOffset? ExpirationTimestamp { get; set; }

    public override string ToString() => $"token (expires {ExpirationTimestamp})";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenRequest))]
internal sealed partial class StoreReferenceJsonContext : JsonSerializerContext
{
}
