using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Spec;

/// <summary>How plain YAML scalars become JSON values.</summary>
internal enum YamlScalars
{
    /// <summary>
    /// Strings, as kubectl sends them after the API server's schema check (<c>vaultSkipTLSVerify: true</c> reaches the
    /// provider as "true"); only explicit nulls become null. For manifests, kubeconfigs and provider parameters.
    /// </summary>
    Strings,

    /// <summary>
    /// Typed the way sigs.k8s.io/yaml does (YAML 1.1: plain <c>0600</c> is the octal integer 384, <c>yes</c> is
    /// true), so decoding then follows Go's encoding/json rules. For the AWS provider's <c>objects</c>.
    /// </summary>
    Yaml11,

    /// <summary>
    /// Typed by the YAML 1.2 core schema as Go's yaml.v3 does (<c>0600</c> is octal 384, <c>yes</c> stays a string,
    /// <c>!!str</c> and quoting keep text; <c>.inf</c> and <c>.nan</c> become non-finite doubles, which JSON cannot
    /// write: callers check). For the Vault provider's <c>objects</c>.
    /// </summary>
    Core,
}

/// <summary>
/// The one YAML-to-JSON conversion: YAML documents become JSON nodes, so manifests, API objects and provider
/// parameters share one typed model. Bounded in depth and in nodes (aliases can expand a small file).
/// </summary>
internal static partial class YamlDocuments
{
    /// <summary>Far above any real manifest (a class with thousands of objects is a few thousand nodes).</summary>
    public const int MaxNodesPerDocument = 100_000;

    private const int MaxDepth = 64;

    public static IEnumerable<JsonNode?> Read(TextReader reader, YamlScalars scalars = YamlScalars.Strings) =>
        Load(reader).Documents.Select(document => new Converter(scalars).ToJson(document.RootNode, 0));

    /// <summary>
    /// The first document, parsed once and converted once per entry of <paramref name="views"/> (nulls for an empty
    /// stream): for a reader that needs both the typed values and the text as written.
    /// </summary>
    public static JsonNode?[] ReadFirst(TextReader reader, params YamlScalars[] views) =>
        Load(reader).Documents.FirstOrDefault() is { } document
            ? views.Select(scalars => new Converter(scalars).ToJson(document.RootNode, 0)).ToArray()
            : new JsonNode?[views.Length];

    private static YamlStream Load(TextReader reader)
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

        return stream;
    }

    private static JsonNode? StringScalar(YamlScalarNode scalar) =>
        scalar.Value is null || (scalar.Style == ScalarStyle.Plain && scalar.Value is "null" or "~" or "") ? null : JsonValue.Create(scalar.Value);

    private static JsonNode? Yaml11Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y" => JsonValue.Create(true),
            "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N" => JsonValue.Create(false),
            _ when IntegerPattern().IsMatch(text) => JsonNode.Parse(GoStrconv.ParseInteger(text)!.Value.ToString(CultureInfo.InvariantCulture)),
            _ when FloatPattern().IsMatch(text) && double.TryParse(
                text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };
    }

    private static JsonNode? CoreScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (tag is null && scalar.Style != ScalarStyle.Plain))
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" => JsonValue.Create(double.PositiveInfinity),
            "-.inf" or "-.Inf" or "-.INF" => JsonValue.Create(double.NegativeInfinity),
            ".nan" or ".NaN" or ".NAN" => JsonValue.Create(double.NaN),
            _ when GoStrconv.TryParseInt(value, out var integer) => JsonValue.Create(integer),
            _ when (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.') &&
                   double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => JsonValue.Create(real),
            _ => JsonValue.Create(value),
        };
    }

    /// <summary>YAML 1.1 integers: decimal, 0-prefixed octal, 0x hex, 0b binary; sign and underscores.</summary>
    [GeneratedRegex(@"^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[1-9][0-9_]*|0)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")]
    private static partial Regex FloatPattern();

    /// <summary>Converts one document, counting the nodes it builds.</summary>
    private sealed class Converter(YamlScalars scalars)
    {
        private int _nodes;

        public JsonNode? ToJson(YamlNode node, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new YamlException(node.Start, node.End, "nesting too deep");
            }

            // Aliases share nodes, so a small file can expand exponentially ("billion laughs"): count what we build.
            if (++_nodes > MaxNodesPerDocument)
            {
                throw new YamlException(node.Start, node.End, $"the document expands to more than {MaxNodesPerDocument} nodes (YAML aliases?)");
            }

            return node switch
            {
                YamlMappingNode map => map.Children.Aggregate(new JsonObject(), (result, entry) =>
                {
                    result[entry.Key is YamlScalarNode s ? s.Value ?? string.Empty : entry.Key.ToString()] = ToJson(entry.Value, depth + 1);
                    return result;
                }),
                YamlSequenceNode seq => new JsonArray(seq.Children.Select(c => ToJson(c, depth + 1)).ToArray()),
                YamlScalarNode scalar when scalars == YamlScalars.Yaml11 => Yaml11Scalar(scalar),
                YamlScalarNode scalar when scalars == YamlScalars.Core => CoreScalar(scalar),
                YamlScalarNode scalar => StringScalar(scalar),
                _ => throw new YamlException(node.Start, node.End, "unsupported YAML node (aliases are not allowed)"),
            };
        }
    }
}
