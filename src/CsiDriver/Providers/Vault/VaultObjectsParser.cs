using CsiDriver.Publishing;
using CsiDriver.Spec;
using YamlDotNet.Core;

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
        JsonNode? root;
        JsonNode? raw;
        try
        {
            // Typed for secretArgs, filePermission and null checks; as written for string fields and messages
            // (yaml.v3 decodes a plain 007 into a string field as "007").
            var views = YamlDocuments.ReadFirst(new StringReader(text ?? string.Empty), YamlScalars.Core, YamlScalars.Strings);
            (root, raw) = (views[0], views[1]);
        }
        catch (YamlException ex)
        {
            throw ProviderParameters.Invalid(classDescription, $"parameter 'objects' is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column})");
        }

        if (root is null)
        {
            throw ProviderParameters.Invalid(classDescription, $"{NoSecrets} (parameter 'objects' is empty)");
        }

        if (root is not JsonArray sequence || raw is not JsonArray rawSequence)
        {
            throw ProviderParameters.Invalid(classDescription, "parameter 'objects' must be a YAML list of {objectName, secretPath, ...} entries");
        }

        if (sequence.Count == 0)
        {
            throw ProviderParameters.Invalid(classDescription, NoSecrets);
        }

        var objects = sequence.Select((node, i) => ParseEntry(node, rawSequence[i], i, classDescription)).ToList();
        var duplicates = objects.GroupBy(o => o.ObjectName, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw ProviderParameters.Invalid(classDescription, $"each objectName must be unique; duplicated: {string.Join(", ", duplicates.Select(d => $"\"{d}\""))}");
        }

        return objects;
    }

    private static VaultObject ParseEntry(JsonNode? node, JsonNode? raw, int index, string classDescription)
    {
        if (node is not JsonObject mapping || raw is not JsonObject rawMapping)
        {
            throw ProviderParameters.Invalid(classDescription, $"objects[{index}] is not a mapping with objectName and secretPath");
        }

        // Case-sensitive names; unknown fields are ignored, as yaml.v3 does.
        var where = $"objects[{index}]";
        string? Text(string name) => mapping[name] is null ? null : rawMapping[name] switch
        {
            null => null,
            JsonValue value => value.GetValue<string>(),
            _ => throw ProviderParameters.Invalid(classDescription, $"{where}: {name} must be a string"),
        };
        var (objectName, secretPath, secretKey, method, encoding) = (Text("objectName"), Text("secretPath"), Text("secretKey"), Text("method"), Text("encoding"));
        var argsJson = mapping["secretArgs"] is { } args ? ArgsToJson(args, classDescription, where) : null;
        if (mapping["filePermission"] is JsonObject or JsonArray)
        {
            throw ProviderParameters.Invalid(classDescription, $"{where}: filePermission must be an integer such as 0600");
        }

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
            ParsePermission(mapping["filePermission"], rawMapping["filePermission"], classDescription, objectName));
    }

    private static VaultEncoding ParseEncoding(string? value, string classDescription, string objectName) =>
        (value ?? string.Empty).ToLowerInvariant() switch
        {
            "" or "utf-8" => VaultEncoding.Utf8,
            "base64" => VaultEncoding.Base64,
            "hex" => VaultEncoding.Hex,
            _ => throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\": invalid encoding type. Should be utf-8, base64, or hex"),
        };

    private static UnixFileMode? ParsePermission(JsonNode? node, JsonNode? raw, string classDescription, string objectName)
    {
        if (node is null)
        {
            return null;
        }

        // Quoted text is a string in the core schema, so only an unquoted integer gets through.
        var written = raw?.GetValue<string>();
        if (node is not JsonValue value || !value.TryGetValue<long>(out var mode))
        {
            throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\" has filePermission '{written}', which is not an integer such as 0600 (write it unquoted)");
        }

        if (mode == 0)
        {
            return null; // Go's zero value: the driver's default mode applies.
        }

        if (mode is < 0 or > 0x1FF)
        {
            throw ProviderParameters.Invalid(classDescription, $"object \"{objectName}\" has filePermission '{written}'; only permission bits (0000-0777) are allowed");
        }

        return (UnixFileMode)mode;
    }

    private static string ArgsToJson(JsonNode node, string classDescription, string where) => node is JsonObject
        ? Canonical(node, classDescription, where, depth: 0)!.ToJsonString()
        : throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs must be a mapping of request body fields");

    /// <summary>A copy with keys in ordinal order, so equal arguments are one request key whatever their YAML order.</summary>
    private static JsonNode? Canonical(JsonNode? node, string classDescription, string where, int depth)
    {
        if (depth > 32)
        {
            throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs nest too deeply");
        }

        return node switch
        {
            JsonObject mapping => new JsonObject(mapping.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value, classDescription, where, depth + 1)))),
            JsonArray sequence => new JsonArray([.. sequence.Select(item => Canonical(item, classDescription, where, depth + 1))]),
            JsonValue value when value.TryGetValue<double>(out var number) && !double.IsFinite(number) =>
                throw ProviderParameters.Invalid(classDescription, $"{where}: secretArgs hold a non-finite number, which JSON cannot carry"),
            _ => node?.DeepClone(),
        };
    }
}
