using System.Reflection;
using CsiDriver.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Tests.Kubernetes;

public sealed class DeployManifestTests
{
    private static HashSet<(string Group, string Resource, string Verb)> CallsMadeAs(KubernetesIdentity identity) =>
        typeof(KubernetesClient).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(m => m.GetCustomAttributes<KubernetesApiCallAttribute>())
            .Where(a => a.Identity == identity)
            .Select(a => (a.Group, a.Resource, a.Verb))
            .ToHashSet();

    [Fact]
    public void DriverClusterRole_GrantsExactlyTheCallsTheDriverMakesAsItself()
    {
        var granted = DeployManifests.RoleGrants("rbac/clusterrole.yaml", "secretproviderclasses-role");

        granted.Should().BeEquivalentTo(CallsMadeAs(KubernetesIdentity.Driver));
        granted.Should().NotContain(g => g.Resource == "secrets", "Secret access lives in the optional sync role");
    }

    [Fact]
    public void SyncClusterRole_GrantsExactlyTheSecretCallsSyncMakes()
    {
        DeployManifests.RoleGrants("components/sync/clusterrole-syncsecret.yaml", "secretprovidersyncing-role")
            .Should().BeEquivalentTo(CallsMadeAs(KubernetesIdentity.Sync));
    }

    [Fact]
    public void EveryClientCall_IsDeclared()
    {
        var undeclared = typeof(KubernetesClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal) && m.Name != nameof(KubernetesClient.RetryOnConflictAsync))
            .Where(m => !m.GetCustomAttributes<KubernetesApiCallAttribute>().Any())
            .Select(m => m.Name);

        undeclared.Should().BeEmpty("the RBAC check relies on every call declaring its verb");
    }

    [Fact]
    public void Bindings_BindBothRolesToTheDriverServiceAccount()
    {
        var account = DeployManifests.Single("rbac/serviceaccount.yaml", "ServiceAccount");
        var name = DeployManifests.Text(account, "metadata", "name");
        var ns = DeployManifests.Text(account, "metadata", "namespace");
        name.Should().Be("secrets-store-csi-driver");

        foreach (var (file, role) in new[] { ("rbac/clusterrole.yaml", "secretproviderclasses-role"), ("components/sync/clusterrole-syncsecret.yaml", "secretprovidersyncing-role") })
        {
            var binding = DeployManifests.Single(file, "ClusterRoleBinding");
            DeployManifests.Text(binding, "roleRef", "name").Should().Be(role);
            var subject = ((YamlSequenceNode)DeployManifests.Node(binding, "subjects")!).Children.Single();
            DeployManifests.Text(subject, "kind").Should().Be("ServiceAccount");
            DeployManifests.Text(subject, "name").Should().Be(name);
            DeployManifests.Text(subject, "namespace").Should().Be(ns);
        }
    }

    [Theory]
    [InlineData("crds/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml", "secretproviderclasses", "SecretProviderClass")]
    [InlineData("crds/secrets-store.csi.x-k8s.io_secretproviderclasspodstatuses.yaml", "secretproviderclasspodstatuses", "SecretProviderClassPodStatus")]
    public void Crds_MatchUpstreamGroupNamesAndVersions(string file, string plural, string kind)
    {
        var crd = DeployManifests.Single(file, "CustomResourceDefinition");

        DeployManifests.Text(crd, "metadata", "name").Should().Be($"{plural}.secrets-store.csi.x-k8s.io");
        DeployManifests.Text(crd, "spec", "group").Should().Be("secrets-store.csi.x-k8s.io");
        DeployManifests.Text(crd, "spec", "scope").Should().Be("Namespaced");
        DeployManifests.Text(crd, "spec", "names", "kind").Should().Be(kind);
        DeployManifests.Text(crd, "spec", "names", "plural").Should().Be(plural);
        var versions = ((YamlSequenceNode)DeployManifests.Node(crd, "spec", "versions")!).Children;
        var v1 = versions.Single(v => DeployManifests.Text(v, "name") == "v1");
        DeployManifests.Text(v1, "served").Should().Be("true");
        DeployManifests.Text(v1, "storage").Should().Be("true");
        var alpha = versions.Single(v => DeployManifests.Text(v, "name") == "v1alpha1");
        DeployManifests.Text(alpha, "served").Should().Be("true");
        DeployManifests.Text(alpha, "storage").Should().Be("false");
        DeployManifests.Text(alpha, "deprecated").Should().Be("true");
    }

    [Fact]
    public void SecretProviderClassSchema_HasEveryUpstreamField()
    {
        var crd = DeployManifests.Single("crds/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml", "CustomResourceDefinition");
        var v1 = ((YamlSequenceNode)DeployManifests.Node(crd, "spec", "versions")!).Children.Single(v => DeployManifests.Text(v, "name") == "v1");
        var spec = DeployManifests.Node(v1, "schema", "openAPIV3Schema", "properties", "spec", "properties")!;

        DeployManifests.Text(spec, "provider", "type").Should().Be("string");
        DeployManifests.Text(spec, "parameters", "additionalProperties", "type").Should().Be("string");
        var item = DeployManifests.Node(spec, "secretObjects", "items", "properties")!;
        foreach (var field in new[] { "secretName", "type" })
        {
            DeployManifests.Text(item, field, "type").Should().Be("string");
        }

        DeployManifests.Text(item, "labels", "additionalProperties", "type").Should().Be("string");
        DeployManifests.Text(item, "annotations", "additionalProperties", "type").Should().Be("string");
        DeployManifests.Text(item, "data", "items", "properties", "objectName", "type").Should().Be("string");
        DeployManifests.Text(item, "data", "items", "properties", "key", "type").Should().Be("string");
    }

    [Fact]
    public void PodStatusSchema_HasEveryFieldTheDriverWrites()
    {
        var crd = DeployManifests.Single("crds/secrets-store.csi.x-k8s.io_secretproviderclasspodstatuses.yaml", "CustomResourceDefinition");
        var v1 = ((YamlSequenceNode)DeployManifests.Node(crd, "spec", "versions")!).Children.Single(v => DeployManifests.Text(v, "name") == "v1");
        var status = DeployManifests.Node(v1, "schema", "openAPIV3Schema", "properties", "status", "properties")!;
        var written = typeof(SecretProviderClassPodStatusBody).GetProperties().Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);

        foreach (var field in written)
        {
            DeployManifests.Node(status, field).Should().NotBeNull($"status.{field} is written by the driver");
        }

        DeployManifests.Text(status, "mounted", "type").Should().Be("boolean");
        DeployManifests.Text(status, "objects", "items", "properties", "version", "type").Should().Be("string");
    }

    [Fact]
    public void CsiDriver_DeclaresWhatTheDriverRelies_On()
    {
        var driver = DeployManifests.Single("csidriver.yaml", "CSIDriver");

        DeployManifests.Text(driver, "metadata", "name").Should().Be("secrets-store.csi.k8s.io");
        DeployManifests.Text(driver, "spec", "podInfoOnMount").Should().Be("true");
        DeployManifests.Text(driver, "spec", "attachRequired").Should().Be("false");
        DeployManifests.Text(driver, "spec", "requiresRepublish").Should().Be("true");
        DeployManifests.Text(driver, "spec", "fsGroupPolicy").Should().Be("File");
        DeployManifests.Strings(DeployManifests.Node(driver, "spec", "volumeLifecycleModes")).Should().Equal("Ephemeral");
        var audiences = ((YamlSequenceNode)DeployManifests.Node(driver, "spec", "tokenRequests")!).Children.Select(t => DeployManifests.Text(t, "audience")).ToList();
        audiences.Should().Contain(["vault", "sts.amazonaws.com", "api://AzureADTokenExchange"]).And.OnlyHaveUniqueItems();
        audiences.Should().NotContain(a => string.IsNullOrEmpty(a));
    }
}
