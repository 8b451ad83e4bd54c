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
    public static IEnumerable<JsonNode?> Read(TextReader reader)
    {
        var stream = new YamlStream();
        stream.Load(reader);
        foreach (var document in stream.Documents)
        {
            yield return ToJson(document.RootNode);
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => ToObject(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => null,
    };

    private static JsonObject ToObject(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? string.Empty;
            result[name] = ToJson(value);
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
}
