using System.Text.RegularExpressions;
using CsiDriver.Hosting;
using CsiDriver.Tests.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Tests.Deploy;

/// <summary>The rendered DaemonSet seen the way kubelet runs it: containers, their args with $(VAR) expanded, volumes.</summary>
public sealed partial class RenderedDriver
{
    public const string DriverContainer = "secrets-store";
    public const string NodeName = "node-a";

    public RenderedDriver(List<YamlMappingNode> docs)
    {
        Docs = docs;
        DaemonSet = docs.Single(d => DeployManifests.Text(d, "kind") == "DaemonSet");
        Pod = (YamlMappingNode)DeployManifests.Node(DaemonSet, "spec", "template", "spec")!;
    }

    public List<YamlMappingNode> Docs { get; }

    public YamlMappingNode DaemonSet { get; }

    public YamlMappingNode Pod { get; }

    public IEnumerable<YamlMappingNode> Containers => ((YamlSequenceNode)Pod.Children[new YamlScalarNode("containers")]).Children.Cast<YamlMappingNode>();

    public YamlMappingNode Container(string name) => Containers.Single(c => DeployManifests.Text(c, "name") == name);

    public YamlMappingNode Driver => Container(DriverContainer);

    /// <summary>The container's args after kubelet's $(VAR) expansion (fieldRef spec.nodeName = <see cref="NodeName"/>).</summary>
    public List<string> Args(string container)
    {
        var c = Container(container);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in ((YamlSequenceNode?)DeployManifests.Node(c, "env"))?.Children ?? [])
        {
            var value = DeployManifests.Text(e, "value")
                ?? (DeployManifests.Text(e, "valueFrom", "fieldRef", "fieldPath") == "spec.nodeName" ? NodeName : string.Empty);
            env[DeployManifests.Text(e, "name")!] = value;
        }

        return DeployManifests.Strings(DeployManifests.Node(c, "args"))
            .Select(a => VarReference().Replace(a, m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value))
            .ToList();
    }

    public DriverOptions DriverOptions() => DriverFlags.Parse(Args(DriverContainer));

    /// <summary>The value of <c>--name=value</c> (or <c>-name=value</c>) in a sidecar's args.</summary>
    public string? Arg(string container, string name) =>
        Args(container).Select(a => a.TrimStart('-')).Where(a => a.StartsWith(name + "=", StringComparison.Ordinal)).Select(a => a[(name.Length + 1)..]).SingleOrDefault();

    /// <summary>The host path behind a container's mount at <paramref name="mountPath"/>, or null.</summary>
    public string? HostPathAt(string container, string mountPath)
    {
        var mount = Mounts(container).SingleOrDefault(m => Norm(DeployManifests.Text(m, "mountPath")!) == Norm(mountPath));
        return mount is null ? null : HostPathOf(DeployManifests.Text(mount, "name")!);
    }

    public IEnumerable<YamlNode> Mounts(string container) =>
        ((YamlSequenceNode?)DeployManifests.Node(Container(container), "volumeMounts"))?.Children ?? [];

    public string? HostPathOf(string volume)
    {
        var v = ((YamlSequenceNode)Pod.Children[new YamlScalarNode("volumes")]).Children.Single(x => DeployManifests.Text(x, "name") == volume);
        return DeployManifests.Text(v, "hostPath", "path") is { } p ? Norm(p) : null;
    }

    public int ContainerPort(string container, string portName) =>
        int.Parse(DeployManifests.Text(((YamlSequenceNode)DeployManifests.Node(Container(container), "ports")!).Children.Single(p => DeployManifests.Text(p, "name") == portName), "containerPort")!, System.Globalization.CultureInfo.InvariantCulture);

    public static string Norm(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VarReference();
}
