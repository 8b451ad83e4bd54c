namespace CsiDriver.Kubernetes;

/// <summary>Which RBAC role a call is made under.</summary>
public enum KubernetesIdentity
{
    /// <summary>The driver's own ServiceAccount, core ClusterRole.</summary>
    Driver,

    /// <summary>The driver's ServiceAccount, optional Secret-sync ClusterRole.</summary>
    Sync,

    /// <summary>The POD's service-account token: the pod's own RBAC decides, not the driver's.</summary>
    Pod,

    /// <summary>The External Secrets controller's ServiceAccount (deploy/components/external-secrets).</summary>
    Controller,
}

/// <summary>
/// Declares the API call (group, resource, verb) a client method makes and under which identity, so a
/// test can check the shipped RBAC grants exactly these and nothing more.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class KubernetesApiCallAttribute(string group, string resource, string verb, KubernetesIdentity identity) : Attribute
{
    public string Group { get; } = group;

    public string Resource { get; } = resource;

    public string Verb { get; } = verb;

    public KubernetesIdentity Identity { get; } = identity;
}
