using System.Reflection;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>The reconcilers' Kubernetes calls stay inside the controller's agreed ClusterRole.</summary>
public sealed class ControllerApiCallTests
{
    // The controller's whole ClusterRole (external-secrets component); the reconcilers use part of it.
    private static readonly HashSet<(string, string, string)> ControllerRole =
    [
        ("external-secrets.io", "externalsecrets", "get"), ("external-secrets.io", "externalsecrets", "list"), ("external-secrets.io", "externalsecrets", "watch"), ("external-secrets.io", "externalsecrets", "update"),
        ("external-secrets.io", "externalsecrets", "create"), ("external-secrets.io", "externalsecrets", "delete"),
        ("external-secrets.io", "clusterexternalsecrets", "get"), ("external-secrets.io", "clusterexternalsecrets", "list"), ("external-secrets.io", "clusterexternalsecrets", "watch"), ("external-secrets.io", "clusterexternalsecrets", "update"),
        ("external-secrets.io", "clusterexternalsecrets/status", "patch"),
        ("external-secrets.io", "externalsecrets/status", "update"),
        ("external-secrets.io", "secretstores", "get"), ("external-secrets.io", "secretstores", "list"), ("external-secrets.io", "secretstores", "watch"),
        ("external-secrets.io", "secretstores/status", "update"),
        ("external-secrets.io", "clustersecretstores", "get"), ("external-secrets.io", "clustersecretstores", "list"), ("external-secrets.io", "clustersecretstores", "watch"),
        ("external-secrets.io", "clustersecretstores/status", "update"),
        ("external-secrets.io", "pushsecrets", "get"), ("external-secrets.io", "pushsecrets", "list"), ("external-secrets.io", "pushsecrets", "watch"), ("external-secrets.io", "pushsecrets", "update"),
        ("external-secrets.io", "pushsecrets", "create"), ("external-secrets.io", "pushsecrets", "delete"), ("external-secrets.io", "pushsecrets/status", "update"),
        ("external-secrets.io", "clusterpushsecrets", "get"), ("external-secrets.io", "clusterpushsecrets", "list"), ("external-secrets.io", "clusterpushsecrets", "watch"),
        ("external-secrets.io", "clusterpushsecrets/status", "update"),
        ("", "secrets", "get"), ("", "secrets", "list"), ("", "secrets", "watch"), ("", "secrets", "create"), ("", "secrets", "update"), ("", "secrets", "patch"), ("", "secrets", "delete"),
        ("generators.external-secrets.io", "passwords", "get"), ("generators.external-secrets.io", "vaultdynamicsecrets", "get"), ("generators.external-secrets.io", "clustergenerators", "get"),
        ("", "configmaps", "get"), ("", "serviceaccounts", "get"), ("", "serviceaccounts/token", "create"),
        ("", "namespaces", "get"), ("", "namespaces", "list"), ("", "namespaces", "watch"),
        ("", "events", "create"), ("", "events", "patch"),
        ("coordination.k8s.io", "leases", "get"), ("coordination.k8s.io", "leases", "create"), ("coordination.k8s.io", "leases", "update"),
    ];

    private static IEnumerable<MethodInfo> Calls => typeof(ExternalSecretsKubeApi).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal));

    [Fact]
    public void EveryReconcilerCall_IsDeclaredAsController()
    {
        Calls.Where(m => !m.GetCustomAttributes<KubernetesApiCallAttribute>().Any(a => a.Identity == KubernetesIdentity.Controller))
            .Select(m => m.Name)
            .Should().BeEmpty("the RBAC check relies on every call declaring its verb");
    }

    [Fact]
    public void EveryReconcilerCall_IsGrantedByTheControllerRole()
    {
        Calls.SelectMany(m => m.GetCustomAttributes<KubernetesApiCallAttribute>())
            .Select(a => (a.Group, a.Resource, a.Verb))
            .Where(c => !ControllerRole.Contains(c))
            .Should().BeEmpty();
    }
}
