using CsiDriver.Tests.Deploy;
using CsiDriver.Tests.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Tests.ExternalSecrets.PushSecrets;

/// <summary>The PushSecret CRD in deploy/components/external-secrets: the operator's names, version, columns, defaults and fields.</summary>
public sealed class PushSecretDeployTests
{
    private static YamlMappingNode Crd(string kind = "PushSecret") =>
        Kustomize.Render("external-secrets").Single(d => DeployManifests.Text(d, "kind") == "CustomResourceDefinition" && DeployManifests.Text(d, "spec", "names", "kind") == kind);

    private static YamlMappingNode Version(YamlMappingNode crd) =>
        ((YamlSequenceNode)DeployManifests.Node(crd, "spec", "versions")!).Children.Cast<YamlMappingNode>().Single();

    private static YamlNode Spec(YamlMappingNode crd) => DeployManifests.Node(Version(crd), "schema", "openAPIV3Schema", "properties", "spec")!;

    /// <summary>eso.md 7.1: every spec field path ("[]" steps into list items).</summary>
    public static TheoryData<string> SpecPaths() =>
    [
        "refreshInterval", "secretStoreRefs[].name", "secretStoreRefs[].kind", "secretStoreRefs[].labelSelector.matchLabels", "secretStoreRefs[].labelSelector.matchExpressions",
        "updatePolicy", "deletionPolicy", "selector.secret.name", "selector.secret.selector.matchLabels", "selector.generatorRef.kind", "selector.generatorRef.name",
        "data[].match.secretKey", "data[].match.remoteRef.remoteKey", "data[].match.remoteRef.property", "data[].metadata", "data[].conversionStrategy",
        "dataTo", "template.type", "template.data", "template.templateFrom", "template.metadata.labels",
    ];

    [Fact]
    public void Crd_NamesScopeShortNameCategoryLabel_OnlyV1alpha1StoredWithStatus()
    {
        var crd = Crd();

        DeployManifests.Text(crd, "metadata", "name").Should().Be("pushsecrets.external-secrets.io");
        DeployManifests.Text(crd, "metadata", "labels", "external-secrets.io/component").Should().Be("controller");
        DeployManifests.Text(crd, "spec", "scope").Should().Be("Namespaced");
        DeployManifests.Strings(DeployManifests.Node(crd, "spec", "names", "shortNames")).Should().Equal("ps");
        DeployManifests.Strings(DeployManifests.Node(crd, "spec", "names", "categories")).Should().Equal("external-secrets");
        var version = Version(crd);
        DeployManifests.Text(version, "name").Should().Be("v1alpha1");
        DeployManifests.Text(version, "served").Should().Be("true");
        DeployManifests.Text(version, "storage").Should().Be("true");
        DeployManifests.Node(version, "subresources", "status").Should().BeOfType<YamlMappingNode>();
    }

    [Fact]
    public void PrinterColumns_AsTheOperator()
    {
        var columns = ((YamlSequenceNode)DeployManifests.Node(Version(Crd()), "additionalPrinterColumns")!).Children
            .Select(c => $"{DeployManifests.Text(c, "name")} {DeployManifests.Text(c, "jsonPath")} {DeployManifests.Text(c, "type")}");

        columns.Should().Equal("AGE .metadata.creationTimestamp date", "Status .status.conditions[?(@.type==\"Ready\")].reason string", "Last Sync .status.refreshTime date");
    }

    [Fact]
    public void Defaults_AsTheOperator()
    {
        var spec = Spec(Crd());

        DeployManifests.Text(spec, "properties", "refreshInterval", "default").Should().Be("1h0m0s");
        DeployManifests.Text(spec, "properties", "updatePolicy", "default").Should().Be("Replace");
        DeployManifests.Text(spec, "properties", "deletionPolicy", "default").Should().Be("None");
        DeployManifests.Text(spec, "properties", "secretStoreRefs", "items", "properties", "kind", "default").Should().Be("SecretStore");
        DeployManifests.Text(spec, "properties", "data", "items", "properties", "conversionStrategy", "default").Should().Be("None");
    }

    [Theory]
    [MemberData(nameof(SpecPaths))]
    public void Schema_DeclaresEveryDocumentedField(string path)
    {
        YamlNode? node = Spec(Crd());
        foreach (var raw in path.Split('.'))
        {
            var list = raw.EndsWith("[]", StringComparison.Ordinal);
            node = DeployManifests.Node(node!, "properties", list ? raw[..^2] : raw);
            node.Should().NotBeNull($"spec.{path} must be declared");
            if (list)
            {
                node = DeployManifests.Node(node!, "items");
            }
        }
    }

    [Fact]
    public void Status_DeclaresSyncedPushSecretsAsAMapOfMaps()
    {
        var status = DeployManifests.Node(Version(Crd()), "schema", "openAPIV3Schema", "properties", "status", "properties")!;

        DeployManifests.Node(status, "syncedPushSecrets", "additionalProperties", "additionalProperties").Should().NotBeNull();
        DeployManifests.Text(status, "refreshTime", "format").Should().Be("date-time");
        DeployManifests.Node(status, "syncedResourceVersion").Should().NotBeNull();
    }

    [Fact]
    public void ClusterPushSecretCrd_ClusterScopedNoShortName_V1alpha1_PushSecretSpecAsThePushSecrets()
    {
        var crd = Crd("ClusterPushSecret");

        DeployManifests.Text(crd, "metadata", "name").Should().Be("clusterpushsecrets.external-secrets.io");
        DeployManifests.Text(crd, "spec", "scope").Should().Be("Cluster");
        DeployManifests.Node(crd, "spec", "names", "shortNames").Should().BeNull();
        DeployManifests.Strings(DeployManifests.Node(crd, "spec", "names", "categories")).Should().Equal("external-secrets");
        var version = Version(crd);
        DeployManifests.Text(version, "name").Should().Be("v1alpha1");
        DeployManifests.Node(version, "subresources", "status").Should().BeOfType<YamlMappingNode>();
        ((YamlSequenceNode)DeployManifests.Node(version, "additionalPrinterColumns")!).Children.Select(c => DeployManifests.Text(c, "name")).Should().Equal("AGE", "Status");
        var spec = Spec(crd);
        foreach (var field in new[] { "pushSecretSpec", "refreshTime", "pushSecretName", "pushSecretMetadata", "namespaceSelectors", "namespaces" })
        {
            DeployManifests.Node(spec, "properties", field).Should().NotBeNull(field);
        }

        DeployManifests.Node(spec, "properties", "pushSecretSpec", "properties", "data", "items", "properties", "match").Should().NotBeNull();
        DeployManifests.Node(Version(crd), "schema", "openAPIV3Schema", "properties", "status", "properties", "failedNamespaces").Should().NotBeNull();
    }
}
