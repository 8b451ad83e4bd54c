namespace CsiDriver.Kubernetes;

/// <summary>What kind of failure an API call ended in, independent of the exact HTTP status.</summary>
public enum KubernetesErrorKind
{
    /// <summary>400 or another 4xx the client does not classify further.</summary>
    BadRequest,

    /// <summary>401: no or rejected credentials.</summary>
    Unauthorized,

    /// <summary>403: authenticated, but RBAC (or admission) refused the call.</summary>
    Forbidden,

    /// <summary>404: the object (or its namespace) does not exist.</summary>
    NotFound,

    /// <summary>409: a stale resourceVersion, or (reason <c>AlreadyExists</c>) a create of an existing object.</summary>
    Conflict,

    /// <summary>410: a resourceVersion too old for the server to serve.</summary>
    Gone,

    /// <summary>422: the object failed validation.</summary>
    Invalid,

    /// <summary>429: throttled (API priority and fairness).</summary>
    TooManyRequests,

    /// <summary>5xx.</summary>
    ServerError,

    /// <summary>The client-side timeout elapsed.</summary>
    Timeout,

    /// <summary>The server could not be reached (DNS, connect, TLS).</summary>
    Unreachable,

    /// <summary>The server answered with something that is not the expected JSON.</summary>
    BadResponse,
}

/// <summary>
/// A failed Kubernetes API call: the kind, the HTTP status, and the API's own <c>Status</c> reason and
/// message. The message names the call (verb, resource, namespace/name); it never carries a token or
/// a request body.
/// </summary>
public sealed class KubernetesApiException(KubernetesErrorKind kind, HttpStatusCode? statusCode, string call, string? reason, string? apiMessage, Exception? inner = null)
    : Exception(Compose(kind, statusCode, call, apiMessage), inner)
{
    public KubernetesErrorKind Kind { get; } = kind;

    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>The call that failed, e.g. <c>get secrets ns/name</c>.</summary>
    public string Call { get; } = call;

    /// <summary>The API <c>Status.reason</c>, e.g. <c>AlreadyExists</c>, <c>Conflict</c>.</summary>
    public string? Reason { get; } = reason;

    /// <summary>The API <c>Status.message</c> (trimmed), or a transport description.</summary>
    public string? ApiMessage { get; } = apiMessage;

    /// <summary>True for a create that hit an existing object (409 AlreadyExists).</summary>
    public bool IsAlreadyExists => Kind == KubernetesErrorKind.Conflict && Reason == "AlreadyExists";

    /// <summary>True for an update with a stale resourceVersion.</summary>
    public bool IsStaleUpdate => Kind == KubernetesErrorKind.Conflict && Reason != "AlreadyExists";

    /// <summary>True when trying again later may succeed.</summary>
    public bool IsTransient => Kind is KubernetesErrorKind.TooManyRequests or KubernetesErrorKind.ServerError or KubernetesErrorKind.Timeout or KubernetesErrorKind.Unreachable;

    public static KubernetesErrorKind KindFor(HttpStatusCode status) => (int)status switch
    {
        401 => KubernetesErrorKind.Unauthorized,
        403 => KubernetesErrorKind.Forbidden,
        404 => KubernetesErrorKind.NotFound,
        409 => KubernetesErrorKind.Conflict,
        410 => KubernetesErrorKind.Gone,
        422 => KubernetesErrorKind.Invalid,
        429 => KubernetesErrorKind.TooManyRequests,
        >= 500 => KubernetesErrorKind.ServerError,
        _ => KubernetesErrorKind.BadRequest,
    };

    private static string Compose(KubernetesErrorKind kind, HttpStatusCode? status, string call, string? apiMessage) =>
        $"Kubernetes API {call}: {kind}{(status is { } s ? $" ({(int)s})" : string.Empty)}{(string.IsNullOrEmpty(apiMessage) ? string.Empty : ": " + apiMessage)}";
}
