using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// The request plumbing the controller's Kubernetes clients share: object paths with their names checked, the call
/// text errors carry, a GET that reads 404 as null, a DELETE that reads 404 as already gone, and sends with the
/// client's credentials over its transport.
/// </summary>
internal abstract class KubeObjectCalls(KubernetesTransport transport, IBearerTokenSource credentials)
{
    protected KubernetesTransport Transport { get; } = transport;

    protected IBearerTokenSource Credentials { get; } = credentials;

    /// <summary>One object, or null for 404; <paramref name="namespace"/> is null for a cluster-scoped resource.</summary>
    protected async Task<T?> GetOrNullAsync<T>(string prefix, string resource, string? @namespace, string name, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await GetAsync(prefix, resource, @namespace, name, type, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>One object; 404 is a <see cref="KubernetesApiException"/> like any other failure.</summary>
    protected Task<T> GetAsync<T>(string prefix, string resource, string? @namespace, string name, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var call = CallText("get", resource, @namespace, name);
        return SendAsync(HttpMethod.Get, ObjectPath(prefix, resource, @namespace, name, call), call, null, type, cancellationToken);
    }

    /// <summary>Deletes a namespaced object; false if it was already gone.</summary>
    protected async Task<bool> DeleteObjectAsync(string prefix, string resource, string @namespace, string name, CancellationToken cancellationToken)
    {
        var call = CallText("delete", resource, @namespace, name);
        try
        {
            await Transport.SendAsync(new KubernetesRequest(HttpMethod.Delete, Namespaced(prefix, @namespace, resource, name, call), call), Credentials, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
        {
            return false;
        }
    }

    protected Task<T> SendAsync<T>(HttpMethod method, string path, string call, byte[]? body, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        Transport.SendAsync(new KubernetesRequest(method, path, call, body), Credentials, type, cancellationToken);

    protected static string CallText(string verb, string resource, string? @namespace, string name) =>
        @namespace is null ? $"{verb} {resource} {name}" : $"{verb} {resource} {@namespace}/{name}";

    protected static string ObjectPath(string prefix, string resource, string? @namespace, string name, string call) =>
        @namespace is null ? $"{prefix}/{resource}/{KubernetesNames.Check(name, "name", call)}" : Namespaced(prefix, @namespace, resource, name, call);

    protected static string Namespaced(string prefix, string @namespace, string resource, string? name, string call)
    {
        var path = $"{prefix}/namespaces/{KubernetesNames.Check(@namespace, "namespace", call)}/{resource}";
        return name is null ? path : $"{path}/{KubernetesNames.Check(name, "name", call)}";
    }
}
