using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>One collection the controller lists and watches: where it lives and which objects of it.</summary>
/// <param name="Group">API group (empty for core).</param>
/// <param name="Version">API version.</param>
/// <param name="Resource">Plural resource name.</param>
/// <param name="Kind">The kind its objects have (the work queue and reconciler key).</param>
/// <param name="Namespace">Only this namespace, or null for every namespace (and for cluster-scoped kinds).</param>
/// <param name="LabelSelector">An API label selector, or null for every object.</param>
internal sealed record WatchedResource(string Group, string Version, string Resource, string Kind, string? Namespace, string? LabelSelector)
{
    /// <summary>The collection path, e.g. <c>/apis/external-secrets.io/v1/namespaces/ns/externalsecrets</c>.</summary>
    public string CollectionPath
    {
        get
        {
            var prefix = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
            return Namespace is null
                ? $"{prefix}/{Resource}"
                : $"{prefix}/namespaces/{KubernetesNames.Check(Namespace, "namespace", $"list {Resource}")}/{Resource}";
        }
    }

    public override string ToString() => Namespace is null ? Resource : $"{Resource} in {Namespace}";
}

/// <summary>
/// The collections the External Secrets controller keeps in its caches. Each factory carries the list and
/// watch calls the informer then makes on it, so the RBAC test sees them.
/// </summary>
internal static class ControllerResources
{
    public const string Group = "external-secrets.io";

    public const string ExternalSecretKind = "ExternalSecret";

    public const string SecretStoreKind = "SecretStore";

    public const string ClusterSecretStoreKind = "ClusterSecretStore";

    public const string SecretKind = "Secret";

    public const string ClusterExternalSecretKind = "ClusterExternalSecret";

    /// <summary>Watched for ClusterExternalSecrets (namespaces appearing, relabelled or going), never reconciled itself.</summary>
    public const string NamespaceKind = "Namespace";
    public const string PushSecretKind = "PushSecret";

    public const string ClusterPushSecretKind = "ClusterPushSecret";

    /// <summary>The label on every Secret the controller manages: the only Secrets it caches.</summary>
    public const string ManagedLabel = "reconcile.external-secrets.io/managed";

    [KubernetesApiCall(Group, "externalsecrets", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "externalsecrets", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource ExternalSecrets(string? onlyNamespace) =>
        new(Group, "v1", "externalsecrets", ExternalSecretKind, onlyNamespace, null);

    [KubernetesApiCall(Group, "secretstores", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "secretstores", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource SecretStores(string? onlyNamespace) =>
        new(Group, "v1", "secretstores", SecretStoreKind, onlyNamespace, null);

    [KubernetesApiCall(Group, "clustersecretstores", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clustersecretstores", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource ClusterSecretStores() =>
        new(Group, "v1", "clustersecretstores", ClusterSecretStoreKind, null, null);

    [KubernetesApiCall(Group, "pushsecrets", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "pushsecrets", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource PushSecrets(string? onlyNamespace) =>
        new(Group, "v1alpha1", "pushsecrets", PushSecretKind, onlyNamespace, null);

    [KubernetesApiCall(Group, "clusterpushsecrets", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clusterpushsecrets", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource ClusterPushSecrets() =>
        new(Group, "v1alpha1", "clusterpushsecrets", ClusterPushSecretKind, null, null);

    /// <summary>Only the Secrets labelled managed: never a cache of every Secret in the cluster.</summary>
    [KubernetesApiCall("", "secrets", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall("", "secrets", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource ManagedSecrets(string? onlyNamespace) =>
        new(string.Empty, "v1", "secrets", SecretKind, onlyNamespace, ManagedLabel + "=true");

    [KubernetesApiCall(Group, "clusterexternalsecrets", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall(Group, "clusterexternalsecrets", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource ClusterExternalSecrets() =>
        new(Group, "v1", "clusterexternalsecrets", ClusterExternalSecretKind, null, null);

    [KubernetesApiCall("", "namespaces", "list", KubernetesIdentity.Controller)]
    [KubernetesApiCall("", "namespaces", "watch", KubernetesIdentity.Controller)]
    public static WatchedResource Namespaces() =>
        new(string.Empty, "v1", "namespaces", NamespaceKind, null, null);
}
