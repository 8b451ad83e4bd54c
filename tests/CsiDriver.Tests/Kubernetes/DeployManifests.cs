using YamlDotNet.RepresentationModel;

namespace CsiDriver.Tests.Kubernetes;

/// <summary>Reads the YAML under deploy/ (found by walking up from the test binaries).</summary>
public static class DeployManifests
{
    public static string Root { get; } = FindRoot();

    public static List<YamlMappingNode> Load(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = File.OpenText(Path.Combine(Root, relativePath));
        stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlMappingNode Single(string relativePath, string kind) => Load(relativePath).Single(d => Text(d, "kind") == kind);

    public static string? Text(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return (current as YamlScalarNode)?.Value;
    }

    public static YamlNode? Node(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    public static IEnumerable<string> Strings(YamlNode? node) =>
        node is YamlSequenceNode seq ? seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty) : [];

    /// <summary>The ClusterRole's rules expanded to (group, resource, verb) triples.</summary>
    public static HashSet<(string Group, string Resource, string Verb)> RoleGrants(string relativePath, string roleName)
    {
        var role = Load(relativePath).Single(d => Text(d, "kind") == "ClusterRole" && Text(d, "metadata", "name") == roleName);
        var grants = new HashSet<(string, string, string)>();
        foreach (var rule in ((YamlSequenceNode)Node(role, "rules")!).Children)
        {
            foreach (var group in Strings(Node(rule, "apiGroups")))
            {
                foreach (var resource in Strings(Node(rule, "resources")))
                {
                    foreach (var verb in Strings(Node(rule, "verbs")))
                    {
                        grants.Add((group, resource, verb));
                    }
                }
            }
        }

        return grants;
    }

    /// <summary>The same grants as rules the fake API server enforces.</summary>
    public static FakeRule[] AsFakeRules(IEnumerable<(string Group, string Resource, string Verb)> grants) =>
        grants.Select(g => new FakeRule(g.Group, g.Resource, [g.Verb])).ToArray();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "deploy")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
            {
                return Path.Combine(dir.FullName, "deploy");
            }
        }

        throw new DirectoryNotFoundException("deploy/ not found above the test binaries");
    }
}
