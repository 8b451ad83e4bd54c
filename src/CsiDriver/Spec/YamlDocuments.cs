using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Spec;

/// <summary>
/// Turns YAML manifests into JSON nodes so manifests and API objects share one typed model.
/// Scalars under <c>parameters</c>-like string maps stay strings, as the CRD schema demands.
/// </summary>
internal static class YamlDocuments
{
    /// <summary>Far above any real manifest (a class with thousands of objects is a few thousand nodes).</summary>
    public const int MaxNodesPerDocument = 100_000;

    public static IEnumerable<JsonNode?> Read(TextReader reader)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(reader);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this for some malformed input (an unclosed flow sequence): one error type for callers.
            throw new YamlException(Mark.Empty, Mark.Empty, "malformed YAML", ex);
        }

        foreach (var document in stream.Documents)
        {
            var budget = new Budget();
            yield return ToJson(document.RootNode, budget);
        }
    }

    private static JsonNode? ToJson(YamlNode node, Budget budget)
    {
        // Aliases share nodes, so a small file can expand exponentially ("billion laughs"): count what we build.
        if (++budget.Nodes > MaxNodesPerDocument)
        {
            throw new YamlException(node.Start, node.End, $"the document expands to more than {MaxNodesPerDocument} nodes (YAML aliases?)");
        }

        return node switch
        {
            YamlMappingNode map => ToObject(map, budget),
            YamlSequenceNode seq => new JsonArray(seq.Children.Select(c => ToJson(c, budget)).ToArray()),
            YamlScalarNode scalar => ToScalar(scalar),
            _ => null,
        };
    }

    private static JsonObject ToObject(YamlMappingNode map, Budget budget)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? string.Empty;
            result[name] = ToJson(value, budget);
        }

        return result;
    }

    private static JsonNode? ToScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value;
        if (value is null)
        {
            return null;
        }

        // Quoted or block scalars are strings by definition; plain ones stay strings too so
        // that `vaultSkipTLSVerify: true` reaches the provider as "true", as kubectl would send it
        // after the API server's schema check. Only explicit nulls become null.
        if (scalar.Style == ScalarStyle.Plain && value is "null" or "~" or "")
        {
            return null;
        }

        return JsonValue.Create(value);
    }

    private sealed class Budget
    {
        public int Nodes { get; set; }
    }
}
