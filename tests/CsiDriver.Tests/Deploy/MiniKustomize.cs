using CsiDriver.Tests.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Tests.Deploy;

/// <summary>
/// Just the kustomize features deploy/ uses: <c>resources</c> (files and folders), <c>components</c>,
/// <c>namespace</c>, <c>labels</c> (metadata only) and inline JSON 6902 <c>patches</c> (add, replace, remove).
/// A test checks it renders the same objects as kubectl, so it cannot drift from the real thing.
/// </summary>
public static class MiniKustomize
{
    private static readonly HashSet<string> ClusterScoped =
        ["CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "Namespace", "PriorityClass", "StorageClass"];

    public static List<YamlMappingNode> Render(string root, IEnumerable<string> components)
    {
        var docs = Load(root);
        foreach (var component in components)
        {
            Apply(Path.Combine(root, "components", component), docs);
        }

        return docs;
    }

    private static List<YamlMappingNode> Load(string dir)
    {
        var k = Kustomization(dir);
        var docs = new List<YamlMappingNode>();
        foreach (var resource in DeployManifests.Strings(DeployManifests.Node(k, "resources")))
        {
            var path = Path.Combine(dir, resource);
            docs.AddRange(Directory.Exists(path) ? Load(path) : Kustomize.Parse(File.ReadAllText(path)));
        }

        foreach (var component in DeployManifests.Strings(DeployManifests.Node(k, "components")))
        {
            Apply(Path.Combine(dir, component), docs);
        }

        Patch(dir, k, docs);
        if (DeployManifests.Text(k, "namespace") is { } ns)
        {
            foreach (var doc in docs.Where(d => !ClusterScoped.Contains(DeployManifests.Text(d, "kind") ?? string.Empty)))
            {
                Metadata(doc).Children[new YamlScalarNode("namespace")] = new YamlScalarNode(ns);
            }
        }

        if (DeployManifests.Node(k, "labels") is YamlSequenceNode labels)
        {
            foreach (var pairs in labels.Children.Select(l => DeployManifests.Node(l, "pairs")).OfType<YamlMappingNode>())
            {
                foreach (var doc in docs)
                {
                    var meta = Metadata(doc);
                    if (!meta.Children.TryGetValue(new YamlScalarNode("labels"), out var existing))
                    {
                        existing = new YamlMappingNode();
                        meta.Children[new YamlScalarNode("labels")] = existing;
                    }

                    foreach (var (key, value) in pairs.Children)
                    {
                        ((YamlMappingNode)existing).Children[key] = value;
                    }
                }
            }
        }

        return docs;
    }

    private static void Apply(string componentDir, List<YamlMappingNode> docs)
    {
        var k = Kustomization(componentDir);
        foreach (var resource in DeployManifests.Strings(DeployManifests.Node(k, "resources")))
        {
            docs.AddRange(Kustomize.Parse(File.ReadAllText(Path.Combine(componentDir, resource))));
        }

        Patch(componentDir, k, docs);
    }

    private static void Patch(string dir, YamlMappingNode k, List<YamlMappingNode> docs)
    {
        if (DeployManifests.Node(k, "patches") is not YamlSequenceNode patches)
        {
            return;
        }

        foreach (var patch in patches.Children)
        {
            var kind = DeployManifests.Text(patch, "target", "kind");
            var name = DeployManifests.Text(patch, "target", "name");
            var body = DeployManifests.Text(patch, "patch") ?? File.ReadAllText(Path.Combine(dir, DeployManifests.Text(patch, "path")!));
            var ops = (YamlSequenceNode)Kustomize.Parse("ops:\n" + string.Join('\n', body.Split('\n').Select(l => "  " + l)))[0].Children[new YamlScalarNode("ops")];
            foreach (var doc in docs.Where(d => DeployManifests.Text(d, "kind") == kind && (name is null || DeployManifests.Text(d, "metadata", "name") == name)))
            {
                foreach (var op in ops.Children)
                {
                    ApplyOp(doc, DeployManifests.Text(op, "op")!, DeployManifests.Text(op, "path")!, DeployManifests.Node(op, "value"));
                }
            }
        }
    }

    private static void ApplyOp(YamlNode doc, string op, string path, YamlNode? value)
    {
        var segments = path.TrimStart('/').Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        var parent = doc;
        foreach (var segment in segments[..^1])
        {
            parent = parent is YamlSequenceNode seq ? seq.Children[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)] : ((YamlMappingNode)parent).Children[new YamlScalarNode(segment)];
        }

        var last = segments[^1];
        switch (parent, op)
        {
            case (YamlSequenceNode seq, "add") when last == "-":
                seq.Children.Add(value!);
                break;
            case (YamlSequenceNode seq, "add"):
                seq.Children.Insert(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture), value!);
                break;
            case (YamlSequenceNode seq, "replace"):
                seq.Children[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = value!;
                break;
            case (YamlSequenceNode seq, "remove"):
                seq.Children.RemoveAt(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case (YamlMappingNode map, "add" or "replace"):
                map.Children[new YamlScalarNode(last)] = value!;
                break;
            case (YamlMappingNode map, "remove"):
                map.Children.Remove(new YamlScalarNode(last));
                break;
            default:
                throw new NotSupportedException($"patch op {op} at {path}");
        }
    }

    private static YamlMappingNode Metadata(YamlMappingNode doc) => (YamlMappingNode)doc.Children[new YamlScalarNode("metadata")];

    private static YamlMappingNode Kustomization(string dir) =>
        Kustomize.Parse(File.ReadAllText(Path.Combine(dir, "kustomization.yaml")))[0];
}
