using CsiDriver.Publishing;
using CsiDriver.Spec;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// Reads the <c>objects</c> parameter the way the upstream provider's Go <c>yaml.v3</c> does:
/// case-sensitive field names, unknown fields ignored, untagged plain scalars typed by the YAML
/// core schema (so <c>filePermission: 0600</c> is octal 384 and <c>secretArgs</c> keep their
/// numbers and booleans in the JSON body).
/// </summary>
internal static class VaultObjectsParser
{
    private static readonly string[] AllowedMethods = ["GET", "POST", "PUT", "LIST"];

    public static List<VaultObject> Parse(string? text, string classDescription)
    {
        const string NoSecrets = "no secrets configured - the provider will not read any secret material";
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(string.IsNullOrWhiteSpace(text) ? string.Empty : text));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            throw ProviderParameters.Invalid(classDescription, $"parameter 'objects' is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column})");
        }

        if (root is null || (root is YamlScalarNode { Style: ScalarStyle.Plain } s && IsNull(s.Value)))
        {
            throw ProviderParameters.Invalid(classDescription, $"{NoSecrets} (parameter 'objects' is empty)");
        }

        if (root is not YamlSequenceNode sequence)
        {
            throw ProviderParameters.Invalid(classDescription, "parameter 'objects' must be a YAML list of {objectName, secretPath, ...} entries");
        }

        if (sequence.Children.Count == 0)
        {
            throw ProviderParameters.Invalid(classDescription, NoSecrets);
        }

        var objects = new List<VaultObject>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            objects.Add(ParseEntry(sequence.Children[i], i, classDescription));
        }

        var duplicates = objects.GroupBy(o => o.ObjectName, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw ProviderParameters.Invalid(classDescription, $"each objectName must be unique; duplicated: {string.Join(", ", duplicates.Select(d => $"\"{d}\""))}");
        }

        return objects;
    }

    private static VaultObject ParseEntry(YamlNode node, int index, string classDescription)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw ProviderParameters.Invalid(classDescription, $"objects[{index}] is not a mapping with objectName and secretPath");
        }

        // Case-sensitive names; unknown fields are ignored, as yaml.v3 does.
        var where = $"objects[{index}]";
        YamlNode? Field(string name) => mapping.Children.LastOrDefault(c => (c.Key as YamlScalarNode)?.Value == name).Value;
        string? Text(string name) => Field(name) is { } value ? ScalarString(value, classDescription, where, name) : null;
        var (objectName, secretPath, secretKey, method, encoding) = (Text("objectName"), Text("secretPath"), Text("secretKey"), Text("method"), Text("encoding"));
        var argsJson = Field("secretArgs") is { } args ? ArgsToJson(args, classDescription, where) : null;
        var permission = Field("filePermission") is { } mode
            ? mode as YamlScalarNode ?? throw ProviderParameters.Invalid(classDescription, $"{where}: filePermission must be an integer such as 0600")
            : null;

        if (string.IsNullOrEmpty(objectName))
        {
            throw ProviderParameters.Invalid(classDescription, $"{where} has no objectName");
        }

        if (string.IsNullOrEmpty(secretPath))
        {
            throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\" has no secretPath");
        }

        var normalizedMethod = string.IsNullOrEmpty(method) ? "GET" : method.ToUpperInvariant();
        if (!AllowedMethods.Contains(normalizedMethod, StringComparer.Ordinal))
        {
            throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\" has method '{method}'; use GET, POST, PUT or LIST");
        }

        return new VaultObject(
            objectName,
            secretPath,
            ProviderParameters.NullIfEmpty(secretKey),
            normalizedMethod,
            argsJson,
            ParseEncoding(encoding, classDescription, objectName),
            ParsePermission(permission, classDescription, objectName));
    }

    private static VaultEncoding ParseEncoding(string? value, string classDescription, string objectName) =>
        (value ?? string.Empty).ToLowerInvariant() switch
        {
            "" or "utf-8" => VaultEncoding.Utf8,
            "base64" => VaultEncoding.Base64,
            "hex" => VaultEncoding.Hex,
            _ => throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\": invalid encoding type. Should be utf-8, base64, or hex"),
        };

    private static UnixFileMode? ParsePermission(YamlScalarNode? node, string classDescription, string objectName)
    {
        if (node is null || (node.Style == ScalarStyle.Plain && IsNull(node.Value)))
        {
            return null;
        }

        if (node.Style != ScalarStyle.Plain || Resolve(node) is not long mode)
        {
            throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\" has filePermission '{node.Value}', which is not an integer such as 0600 (write it unquoted)");
        }

        if (mode == 0)
        {
            return null; // Go's zero value: the driver's default mode applies.
        }

        if (mode is < 0 or > 0x1FF)
        {
            throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\" has filePermission '{node.Value}'; only permission bits (0000-0777) are allowed");
        }

        return (UnixFileMode)mode;
    }

    private static string? ScalarString(YamlNode node, string classDescription, string where, string field)
    {
        if (node is not YamlScalarNode scalar)
        {
            throw ProviderParameters.Invalid(classDescription, $"{where}: {field} must be a string");
        }

        return scalar.Style == ScalarStyle.Plain && IsNull(scalar.Value) ? null : scalar.Value;
    }

    private static string? ArgsToJson(YamlNode node, string classDescription, string where)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && IsNull(scalar.Value))
        {
            return null;
        }

        if (node is not YamlMappingNode)
        {
            throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs must be a mapping of request body fields");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer, node, classDescription, where, depth: 0);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter writer, YamlNode node, string classDescription, string where, int depth)
    {
        if (depth > 32)
        {
            throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs nest too deeply");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children.OrderBy(c => (c.Key as YamlScalarNode)?.Value, StringComparer.Ordinal))
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs keys must be strings");
                    }

                    writer.WritePropertyName(name);
                    WriteJson(writer, value, classDescription, where, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    WriteJson(writer, item, classDescription, where, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                switch (Resolve(scalar))
                {
                    case null: writer.WriteNullValue(); break;
                    case bool b: writer.WriteBooleanValue(b); break;
                    case long l: writer.WriteNumberValue(l); break;
                    case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
                    case double: throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs hold a non-finite number, which JSON cannot carry");
                    default: writer.WriteStringValue(scalar.Value ?? string.Empty); break;
                }

                break;
            default:
                throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs hold an unsupported YAML node");
        }
    }

    /// <summary>The YAML core-schema type of a scalar: null, bool, long, double, or its string.</summary>
    private static object? Resolve(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (tag is null && scalar.Style != ScalarStyle.Plain))
        {
            return value;
        }

        return value switch
        {
            _ when IsNull(value) => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" => double.PositiveInfinity,
            "-.inf" or "-.Inf" or "-.INF" => double.NegativeInfinity,
            ".nan" or ".NaN" or ".NAN" => double.NaN,
            _ when GoStrconv.TryParseInt(value, out var integer) => integer,
            _ when (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.') &&
                   double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => real,
            _ => value,
        };
    }

    private static bool IsNull(string? value) => value is null or "" or "~" or "null" or "Null" or "NULL";
}
