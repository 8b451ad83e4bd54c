using System.Reflection;
using CsiDriver.Hosting;
using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Tests.Deploy;

/// <summary>
/// deploy/ rendered as an operator installs it (base, each component, all components), checked against
/// what the driver binary actually accepts, calls and listens on.
/// </summary>
public sealed class DeployRenderTests
{
    /// <summary>compat.md section 13: the sidecar versions upstream v1.6.0 ships.</summary>
    private static readonly Dictionary<string, string> UpstreamSidecars = new()
    {
        ["node-driver-registrar"] = "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.16.0",
        ["liveness-probe"] = "registry.k8s.io/sig-storage/livenessprobe:v2.18.0",
    };

    public static TheoryData<string[]> Variants() => new()
    {
        Array.Empty<string>(),
        new[] { "sync" },
        new[] { "rotation" },
        new[] { "metrics" },
        Kustomize.Components,
    };

    private static RenderedDriver Render(params string[] components) => new(Kustomize.Render(components));

    [Fact]
    public void Base_HasEveryPiece_NamespacedOnesInKubeSystem()
    {
        var docs = Kustomize.Render();

        docs.Select(d => $"{DeployManifests.Text(d, "kind")}/{DeployManifests.Text(d, "metadata", "name")}").Should().BeEquivalentTo(
            "CustomResourceDefinition/secretproviderclasses.secrets-store.csi.x-k8s.io",
            "CustomResourceDefinition/secretproviderclasspodstatuses.secrets-store.csi.x-k8s.io",
            "ServiceAccount/secrets-store-csi-driver",
            "ClusterRole/secretproviderclasses-role",
            "ClusterRoleBinding/secretproviderclasses-rolebinding",
            "CSIDriver/secrets-store.csi.k8s.io",
            "DaemonSet/csi-secrets-store");
        docs.Where(d => DeployManifests.Text(d, "kind") is "ServiceAccount" or "DaemonSet")
            .Should().OnlyContain(d => DeployManifests.Text(d, "metadata", "namespace") == "kube-system");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryImage_IsPinnedToAVersionTag_SidecarsAtUpstreamVersions(string[] components)
    {
        var driver = Render(components);

        foreach (var container in driver.Containers)
        {
            var name = DeployManifests.Text(container, "name")!;
            var image = DeployManifests.Text(container, "image")!;
            image.Should().MatchRegex(@"^[a-z0-9.\-/]+:v\d+\.\d+\.\d+$", $"container {name} must pin a release tag");
            image.Should().NotEndWith(":latest");
            if (UpstreamSidecars.TryGetValue(name, out var expected))
            {
                image.Should().Be(expected);
            }
        }

        driver.Containers.Select(c => DeployManifests.Text(c, "name")).Should().BeEquivalentTo("node-driver-registrar", "secrets-store", "liveness-probe");
    }

    [Fact]
    public void DriverImage_TagIsTheVersionTheBinaryReports()
    {
        var image = DeployManifests.Text(Render().Driver, "image")!;

        image.Should().EndWith(":" + DriverVersion.Current, "a release bumps <Version> in the csproj and the manifest together");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void DriverArgs_AreAllFlagsTheBinaryAccepts(string[] components)
    {
        var driver = Render(components);
        var args = driver.Args(RenderedDriver.DriverContainer);

        var parse = () => DriverFlags.Parse(args);

        parse.Should().NotThrow();
        args.Should().OnlyContain(a => a.StartsWith("--", StringComparison.Ordinal) && !a.Contains("$(", StringComparison.Ordinal), "every flag is --name=value with its variables resolved");
        driver.DriverOptions().NodeId.Should().Be(RenderedDriver.NodeName);
    }

    [Fact]
    public async Task DriverArgs_EveryFlagIsListedByTheBuiltBinarysHelp()
    {
        var used = Kustomize.Components.Prepend(string.Empty)
            .SelectMany(c => Render(c.Length == 0 ? [] : [c]).Args(RenderedDriver.DriverContainer))
            .Select(a => a.TrimStart('-').Split('=')[0])
            .ToHashSet();
        using var process = DriverProcess.Start("--help");
        await Eventually.TrueAsync(() => process.HasExited && process.Output.Contains("--help ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "driver --help prints every flag and exits");

        process.ExitCode.Should().Be(0);
        foreach (var flag in used)
        {
            process.Output.Should().Contain($"--{flag} ", $"the manifests pass --{flag}");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void SocketPaths_AgreeBetweenDriverRegistrarProbeAndKubelet(string[] components)
    {
        var driver = Render(components);
        var options = driver.DriverOptions();
        var socket = SocketEndpoint.ParsePath(options.Endpoint);
        var socketDir = Path.GetDirectoryName(socket)!;

        driver.Arg("node-driver-registrar", "csi-address").Should().Be(socket);
        driver.Arg("liveness-probe", "csi-address").Should().Be(socket);

        // The same host folder backs the socket in all three containers...
        var hostDir = driver.HostPathAt(RenderedDriver.DriverContainer, socketDir);
        hostDir.Should().NotBeNull();
        driver.HostPathAt("node-driver-registrar", socketDir).Should().Be(hostDir);
        driver.HostPathAt("liveness-probe", socketDir).Should().Be(hostDir);

        // ...and kubelet dials it at its host path, in the folder named after the plugin.
        driver.Arg("node-driver-registrar", "kubelet-registration-path").Should().Be(Path.Combine(hostDir!, Path.GetFileName(socket)));
        hostDir.Should().Be("/var/lib/kubelet/plugins/csi-secrets-store");
        driver.HostPathAt("node-driver-registrar", "/registration").Should().Be("/var/lib/kubelet/plugins_registry");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void DriverName_EqualsTheCsiDriverObjectAndTheFlagDefault(string[] components)
    {
        var driver = Render(components);
        var csiDriver = driver.Docs.Single(d => DeployManifests.Text(d, "kind") == "CSIDriver");

        driver.DriverOptions().DriverName.Should().Be(new DriverOptions().DriverName);
        DeployManifests.Text(csiDriver, "metadata", "name").Should().Be(new DriverOptions().DriverName);
        DeployManifests.Text(csiDriver, "spec", "podInfoOnMount").Should().Be("true");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void StateDir_IsAHostPathAtTheFlagValue_AndTheFlagDefault(string[] components)
    {
        var driver = Render(components);
        var stateDir = driver.DriverOptions().StateDir;

        stateDir.Should().Be(new DriverOptions().StateDir);
        driver.HostPathAt(RenderedDriver.DriverContainer, stateDir).Should().Be(stateDir, "records must outlive the container, on the node");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ProviderFolders_AreHostPathsAtTheFlagValues(string[] components)
    {
        var driver = Render(components);
        var options = driver.DriverOptions();

        foreach (var dir in options.AdditionalProviderVolumePaths.Split(',', StringSplitOptions.RemoveEmptyEntries).Append(options.ProviderVolume))
        {
            driver.HostPathAt(RenderedDriver.DriverContainer, dir).Should().Be(RenderedDriver.Norm(dir));
        }

        options.ProviderVolume.Should().Be("/var/run/secrets-store-csi-providers");
        options.AdditionalProviderVolumePaths.Should().Be("/etc/kubernetes/secrets-store-csi-providers");
    }

    [Fact]
    public void Driver_IsPrivileged_WithBidirectionalPropagationOnThePodsDir()
    {
        var driver = Render();

        DeployManifests.Text(driver.Driver, "securityContext", "privileged").Should().Be("true");
        var pods = driver.Mounts(RenderedDriver.DriverContainer).Single(m => DeployManifests.Text(m, "mountPath") == "/var/lib/kubelet/pods");
        DeployManifests.Text(pods, "mountPropagation").Should().Be("Bidirectional");
        driver.HostPathOf(DeployManifests.Text(pods, "name")!).Should().Be("/var/lib/kubelet/pods");
        foreach (var sidecar in UpstreamSidecars.Keys)
        {
            DeployManifests.Text(driver.Container(sidecar), "securityContext", "privileged").Should().NotBe("true");
        }
    }

    [Fact]
    public void Probes_LivenessThroughTheSidecar_ReadinessOnTheDriversReadyz()
    {
        var driver = Render();
        var options = driver.DriverOptions();
        var metricsPort = MetricsEndpointAddress.Parse(options.MetricsAddr)!.Port;

        DeployManifests.Text(driver.Driver, "livenessProbe", "httpGet", "path").Should().Be("/healthz");
        var livenessPort = DeployManifests.Text(driver.Driver, "livenessProbe", "httpGet", "port")!;
        driver.ContainerPort(RenderedDriver.DriverContainer, livenessPort).Should().Be(9808);
        driver.Arg("liveness-probe", "http-endpoint").Should().EndWith(":9808");

        DeployManifests.Text(driver.Driver, "readinessProbe", "httpGet", "path").Should().Be("/readyz");
        var readinessPort = DeployManifests.Text(driver.Driver, "readinessProbe", "httpGet", "port")!;
        driver.ContainerPort(RenderedDriver.DriverContainer, readinessPort).Should().Be(metricsPort);
        metricsPort.Should().Be(8095);
    }

    [Fact]
    public void PodSpec_NodeCriticalLinuxEverywhere_WithResourcesAndNodeNameEnv()
    {
        var driver = Render();

        DeployManifests.Text(driver.Pod, "priorityClassName").Should().Be("system-node-critical");
        DeployManifests.Text(driver.Pod, "nodeSelector", "kubernetes.io/os").Should().Be("linux");
        DeployManifests.Text(driver.Pod, "serviceAccountName").Should().Be("secrets-store-csi-driver");
        ((YamlSequenceNode)DeployManifests.Node(driver.Pod, "tolerations")!).Children
            .Should().Contain(t => DeployManifests.Text(t, "operator") == "Exists" && DeployManifests.Text(t, "key") == null);
        foreach (var container in driver.Containers)
        {
            foreach (var kind in new[] { "requests", "limits" })
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    DeployManifests.Text(container, "resources", kind, resource).Should().NotBeNullOrEmpty($"{DeployManifests.Text(container, "name")} {kind}.{resource}");
                }
            }
        }

        var env = ((YamlSequenceNode)DeployManifests.Node(driver.Driver, "env")!).Children;
        env.Should().Contain(e => DeployManifests.Text(e, "name") == "NODE_NAME" && DeployManifests.Text(e, "valueFrom", "fieldRef", "fieldPath") == "spec.nodeName");
        env.Should().Contain(e => DeployManifests.Text(e, "name") == "DOTNET_GCgen0size" && DeployManifests.Text(e, "value") == "200000", "hex without 0x: the native runtime ignores a prefixed value");
    }

    [Fact]
    public void Base_DriverRoleGrantsExactlyTheDriversCalls_AndNothingOnSecrets()
    {
        var docs = Kustomize.Render();

        Grants(docs).Should().BeEquivalentTo(CallsMadeAs(KubernetesIdentity.Driver));
        Grants(docs).Should().NotContain(g => g.Resource == "secrets");
        BindingsPointAtTheServiceAccount(docs);
    }

    [Fact]
    public void SyncComponent_AddsExactlyTheSecretCallsSyncMakes_BoundToTheDriver()
    {
        var docs = Kustomize.Render("sync");

        Grants(docs).Should().BeEquivalentTo(CallsMadeAs(KubernetesIdentity.Driver).Union(CallsMadeAs(KubernetesIdentity.Sync)));
        docs.Count(d => DeployManifests.Text(d, "kind") == "ClusterRoleBinding").Should().Be(2);
        BindingsPointAtTheServiceAccount(docs);
    }

    [Fact]
    public void RotationComponent_EnablesRotationAndRepublish()
    {
        var driver = Render("rotation");
        var csiDriver = driver.Docs.Single(d => DeployManifests.Text(d, "kind") == "CSIDriver");

        driver.DriverOptions().EnableSecretRotation.Should().BeTrue();
        Render().DriverOptions().EnableSecretRotation.Should().BeFalse("rotation is opt-in, as upstream");
        DeployManifests.Text(csiDriver, "spec", "requiresRepublish").Should().Be("true");
    }

    [Fact]
    public void MetricsComponent_ServiceSelectsTheDriverPodsOnTheMetricsPort()
    {
        var driver = Render("metrics");
        var service = driver.Docs.Single(d => DeployManifests.Text(d, "kind") == "Service");
        var podLabels = (YamlMappingNode)DeployManifests.Node(driver.DaemonSet, "spec", "template", "metadata", "labels")!;
        var port = ((YamlSequenceNode)DeployManifests.Node(service, "spec", "ports")!).Children.Single();

        foreach (var (key, value) in (YamlMappingNode)DeployManifests.Node(service, "spec", "selector")!)
        {
            podLabels.Children.Should().Contain(key, value);
        }

        DeployManifests.Text(service, "metadata", "namespace").Should().Be("kube-system");
        driver.ContainerPort(RenderedDriver.DriverContainer, DeployManifests.Text(port, "targetPort")!).Should().Be(MetricsEndpointAddress.Parse(driver.DriverOptions().MetricsAddr)!.Port);
        DeployManifests.Text(driver.DaemonSet, "spec", "template", "metadata", "annotations", "prometheus.io/scrape").Should().Be("true");
        DeployManifests.Text(driver.DaemonSet, "spec", "template", "metadata", "annotations", "prometheus.io/port").Should().Be("8095");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void FallbackRenderer_AgreesWithKubectl(string[] components)
    {
        if (!Kustomize.UsingKubectl)
        {
            // Nothing to compare against; every other test ran on the fallback instead.
            return;
        }

        var real = Kustomize.RenderWithKubectl(components).ToDictionary(Key, Canonical);
        var mini = MiniKustomize.Render(DeployManifests.Root, components).ToDictionary(Key, Canonical);

        mini.Keys.Should().BeEquivalentTo(real.Keys);
        foreach (var (key, text) in real)
        {
            mini[key].Should().Be(text, key);
        }
    }

    private static string Key(YamlMappingNode d) => $"{DeployManifests.Text(d, "kind")}/{DeployManifests.Text(d, "metadata", "namespace")}/{DeployManifests.Text(d, "metadata", "name")}";

    /// <summary>Sorted keys, scalar values only: equal when kubectl and the fallback mean the same object.</summary>
    private static string Canonical(YamlNode node) => node switch
    {
        YamlMappingNode map => "{" + string.Join(",", map.Children.OrderBy(c => ((YamlScalarNode)c.Key).Value, StringComparer.Ordinal).Select(c => ((YamlScalarNode)c.Key).Value + ":" + Canonical(c.Value))) + "}",
        YamlSequenceNode seq => "[" + string.Join(",", seq.Children.Select(Canonical)) + "]",
        YamlScalarNode scalar => scalar.Value ?? "null",
        _ => "?",
    };

    private static HashSet<(string Group, string Resource, string Verb)> Grants(List<YamlMappingNode> docs)
    {
        var grants = new HashSet<(string, string, string)>();
        foreach (var role in docs.Where(d => DeployManifests.Text(d, "kind") == "ClusterRole"))
        {
            foreach (var rule in ((YamlSequenceNode)DeployManifests.Node(role, "rules")!).Children)
            {
                foreach (var g in DeployManifests.Strings(DeployManifests.Node(rule, "apiGroups")))
                {
                    foreach (var r in DeployManifests.Strings(DeployManifests.Node(rule, "resources")))
                    {
                        foreach (var v in DeployManifests.Strings(DeployManifests.Node(rule, "verbs")))
                        {
                            grants.Add((g, r, v));
                        }
                    }
                }
            }
        }

        return grants;
    }

    private static void BindingsPointAtTheServiceAccount(List<YamlMappingNode> docs)
    {
        var account = docs.Single(d => DeployManifests.Text(d, "kind") == "ServiceAccount");
        var roles = docs.Where(d => DeployManifests.Text(d, "kind") == "ClusterRole").Select(d => DeployManifests.Text(d, "metadata", "name")).ToHashSet();
        var bindings = docs.Where(d => DeployManifests.Text(d, "kind") == "ClusterRoleBinding").ToList();

        bindings.Select(b => DeployManifests.Text(b, "roleRef", "name")).Should().BeEquivalentTo(roles);
        foreach (var binding in bindings)
        {
            var subject = ((YamlSequenceNode)DeployManifests.Node(binding, "subjects")!).Children.Single();
            DeployManifests.Text(subject, "name").Should().Be(DeployManifests.Text(account, "metadata", "name"));
            DeployManifests.Text(subject, "namespace").Should().Be(DeployManifests.Text(account, "metadata", "namespace"));
        }
    }

    private static HashSet<(string Group, string Resource, string Verb)> CallsMadeAs(KubernetesIdentity identity) =>
        typeof(KubernetesClient).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(m => m.GetCustomAttributes<KubernetesApiCallAttribute>())
            .Where(a => a.Identity == identity)
            .Select(a => (a.Group, a.Resource, a.Verb))
            .ToHashSet();
}
