using CsiDriver.Publishing;

namespace CsiDriver.Kubernetes;

/// <summary>Turns API failures into the pipeline's <see cref="SecretStoreException"/> kinds.</summary>
internal static class KubernetesFailures
{
    public static FailureKind KindFor(KubernetesApiException ex) => ex.Kind switch
    {
        KubernetesErrorKind.NotFound => FailureKind.NotFound,
        KubernetesErrorKind.Forbidden or KubernetesErrorKind.Unauthorized => FailureKind.PermissionDenied,
        KubernetesErrorKind.BadRequest or KubernetesErrorKind.Invalid => FailureKind.InvalidConfiguration,
        KubernetesErrorKind.Conflict => FailureKind.Conflict,
        _ => FailureKind.Unavailable,
    };

    /// <summary>The API's own words when it gave any, else the failure kind.</summary>
    public static string Cause(KubernetesApiException ex) =>
        string.IsNullOrEmpty(ex.ApiMessage) ? ex.Kind.ToString() : $"{ex.Kind}: {ex.ApiMessage}";
}
