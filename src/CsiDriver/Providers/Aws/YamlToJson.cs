using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Converts YAML to a JSON tree the way sigs.k8s.io/yaml does (YAML 1.1 scalars: plain
/// <c>0600</c> is the octal integer 384, <c>yes</c> is true), so decoding then follows Go's
/// encoding/json rules (case-insensitive field names, unknown fields ignored).
/// </summary>
internal static partial class YamlToJson
{
    public static JsonNode? Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : Node(stream.Documents[0].RootNode, 0);
    }

    private static JsonNode? Node(YamlNode node, int depth)
    {
        if (depth > 64)
        {
            throw new YamlException(node.Start, node.End, "nesting too deep");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    obj[key is YamlScalarNode s ? s.Value ?? string.Empty : key.ToString()] = Node(value, depth + 1);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(Node(item, depth + 1));
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new YamlException(node.Start, node.End, "unsupported YAML node (aliases are not allowed)");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N")
        {
            return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(text))
        {
            return JsonNode.Parse(Integer(text));
        }

        if (FloatPattern().IsMatch(text) && double.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    // YAML 1.1 integers: decimal, 0-prefixed octal, 0x hex, 0b binary, with optional sign and underscores.
    private static string Integer(string text)
    {
        var clean = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var negative = clean.StartsWith('-');
        var digits = clean.TrimStart('+', '-');
        System.Numerics.BigInteger value;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            value = System.Numerics.BigInteger.Parse("0" + digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        else if (digits.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            value = digits[2..].Aggregate(System.Numerics.BigInteger.Zero, (acc, c) => (acc * 2) + (c - '0'));
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            value = digits[1..].Aggregate(System.Numerics.BigInteger.Zero, (acc, c) => (acc * 8) + (c - '0'));
        }
        else
        {
            value = System.Numerics.BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        }

        return (negative ? -value : value).ToString(CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[1-9][0-9_]*|0)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")]
    private static partial Regex FloatPattern();
}
