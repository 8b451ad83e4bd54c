using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// <c>extractJSONKey</c> / <c>extractYAMLKey</c>: one top-level key of a JSON or YAML payload, which
/// must be a string. Errors are upstream's texts without the parser detail, which could quote the payload.
/// </summary>
internal static partial class PayloadKeyExtractor
{
    public static byte[] FromJson(ReadOnlyMemory<byte> payload, string key)
    {
        const string Invalid = "failed to unmarshal JSON. Invalid JSON format for key extraction";
        List<JsonElement> values;
        try
        {
            using var document = JsonDocument.Parse(payload);
            values = document.RootElement.ValueKind == JsonValueKind.Object
                ? [.. document.RootElement.EnumerateObject().Where(p => p.NameEquals(key)).Select(p => p.Value.Clone())]
                : throw new FormatException(Invalid);
        }
        catch (JsonException)
        {
            throw new FormatException(Invalid);
        }

        // Go's decoder keeps the last duplicate, so this does too.
        if (values is not [.., var value])
        {
            throw new FormatException($"key '{key}' not found in JSON");
        }

        return value.ValueKind == JsonValueKind.String
            ? Encoding.UTF8.GetBytes(value.GetString()!)
            : throw new FormatException($"unsupported value type for key '{key}'");
    }

    public static byte[] FromYaml(ReadOnlyMemory<byte> payload, string key)
    {
        const string Invalid = "failed to unmarshal YAML. Invalid YAML format for key extraction";
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(Encoding.UTF8.GetString(payload.Span)));
        }
        catch (YamlException)
        {
            throw new FormatException(Invalid);
        }

        var root = stream.Documents is [{ RootNode: YamlMappingNode mapping }, ..] ? mapping : throw new FormatException(Invalid);
        return root.Children.LastOrDefault(c => c.Key is YamlScalarNode { Value: { } text } && text == key).Value switch
        {
            null => throw new FormatException($"key '{key}' not found in YAML"),
            YamlScalarNode scalar when IsString(scalar) => Encoding.UTF8.GetBytes(scalar.Value ?? string.Empty),
            _ => throw new FormatException($"unsupported value type for key '{key}'"),
        };
    }

    /// <summary>Whether yaml.v3 would decode the scalar as a Go string (not null, bool, int or float).</summary>
    private static bool IsString(YamlScalarNode scalar)
    {
        if (!scalar.Tag.IsEmpty)
        {
            return scalar.Tag.Value is "tag:yaml.org,2002:str" or "!!str";
        }

        if (scalar.Style != ScalarStyle.Plain)
        {
            return true;
        }

        var text = scalar.Value ?? string.Empty;
        return !(text is "" or "~" or "null" or "Null" or "NULL"
            || text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
            || NumberLike().IsMatch(text));
    }

    [GeneratedRegex(@"^([-+]?(0|[1-9][0-9_]*|0[0-7_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberLike();
}
