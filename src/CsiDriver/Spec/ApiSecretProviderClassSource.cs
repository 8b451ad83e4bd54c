using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.Spec;

/// <summary>
/// SecretProviderClasses read from the Kubernetes API (<c>secrets-store.csi.x-k8s.io/v1</c>), always in the
/// pod's namespace. Not cached: each (re)publish reads the current class, so edits apply on the next rotation.
/// </summary>
internal sealed class ApiSecretProviderClassSource(KubernetesClient client) : ISecretProviderClassSource
{
    public async Task<SecretProviderClass> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        SecretProviderClassDocument document;
        try
        {
            document = await client.GetSecretProviderClassAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            throw Translate(ex, @namespace, name);
        }

        if (document.Metadata is { } metadata)
        {
            metadata.Namespace ??= @namespace;
        }

        return document.ToModel($"the API ({@namespace}/{name})");
    }

    private static SecretStoreException Translate(KubernetesApiException ex, string @namespace, string name)
    {
        var kind = KubernetesFailures.KindFor(ex);
        var message = ex.Kind switch
        {
            KubernetesErrorKind.NotFound =>
                $"SecretProviderClass {@namespace}/{name} not found: create it in namespace {@namespace} (a pod can only use a class in its own namespace)",
            KubernetesErrorKind.Forbidden or KubernetesErrorKind.Unauthorized =>
                $"SecretProviderClass {@namespace}/{name}: the driver may not read it ({KubernetesFailures.Cause(ex)}); check the driver's ClusterRole grants get on secretproviderclasses",
            KubernetesErrorKind.BadRequest =>
                $"SecretProviderClass {@namespace}/{name}: {ex.ApiMessage}",
            _ =>
                $"SecretProviderClass {@namespace}/{name}: the Kubernetes API is unavailable ({KubernetesFailures.Cause(ex)}); kubelet will retry",
        };
        return new SecretStoreException(kind == FailureKind.Conflict ? FailureKind.Unavailable : kind, message, ex) { Reason = "SecretProviderClassNotFound" };
    }
}
