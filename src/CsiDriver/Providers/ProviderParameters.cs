using CsiDriver.Publishing;
using CsiDriver.Spec;
using YamlDotNet.Core;

namespace CsiDriver.Providers;

/// <summary>Reads the parameter shapes providers share: YAML object lists and file modes.</summary>
public static class ProviderParameters
{
    /// <summary>The error of a class whose parameters are wrong: <c>SecretProviderClass ns/name: message</c>.</summary>
    public static SecretStoreException Invalid(string classDescription, string message) =>
        new(FailureKind.InvalidConfiguration, $"SecretProviderClass {classDescription}: {message}");

    /// <summary>Null for an empty or missing value: the APIs and the upstream plugins treat both alike.</summary>
    public static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>
    /// Parses a YAML list parameter (such as <c>objects</c>) into <typeparamref name="T"/> items through the
    /// YAML-to-JSON reader manifests use and a source-generated <paramref name="type"/>: no reflection, so the
    /// native (AOT) build parses exactly as the tests do. Unknown fields are ignored, as upstream does. Parsed once
    /// per class version (<see cref="ParsedParameters"/>), so the items are shared and read-only.
    /// </summary>
    public static IReadOnlyList<T> ParseList<T>(ProviderRequest request, string key, JsonTypeInfo<List<T?>> type)
        where T : class
    {
        if (!request.Attributes.TryGetValue(key, out var text) || string.IsNullOrWhiteSpace(text))
        {
            throw Invalid(request.Class.Description, $"parameter '{key}' is not set");
        }

        return ParsedParameters.GetOrParse<IReadOnlyList<T>>(text, string.Empty, () =>
        {
            var items = ParseYaml(text, type, where => Invalid(request.Class.Description, $"parameter '{key}' is not a valid YAML list ({where})")) ?? [];
            return items.Any(i => i is null) ? throw Invalid(request.Class.Description, $"parameter '{key}' has an empty entry") : (IReadOnlyList<T>)items;
        });
    }

    /// <summary>
    /// One YAML document read into <typeparamref name="T"/> (the first document; null when empty), all scalars as
    /// strings. Throws <see cref="YamlException"/> or <see cref="JsonException"/>: callers word the error, and
    /// should quote only positions and JSON paths, never the exception text, which can echo values.
    /// </summary>
    public static T? ParseYaml<T>(string text, JsonTypeInfo<T> type)
    {
        var tree = YamlDocuments.Read(new StringReader(text)).FirstOrDefault();
        return tree is null ? default : tree.Deserialize(type);
    }

    /// <summary>
    /// As above, a text that is not such YAML failing with <paramref name="fail"/>'s error for where it went wrong
    /// (<c>line 3, column 5</c> or <c>wrong type at $[0].name</c>): positions and JSON paths only, never the parser's text.
    /// </summary>
    public static T? ParseYaml<T>(string text, JsonTypeInfo<T> type, Func<string, Exception> fail)
    {
        try
        {
            return ParseYaml(text, type);
        }
        catch (YamlException ex)
        {
            throw fail($"line {ex.Start.Line}, column {ex.Start.Column}");
        }
        catch (JsonException ex)
        {
            throw fail($"wrong type at {ex.Path ?? "$"}");
        }
    }

    /// <summary>
    /// A file mode written as octal digits (<c>0600</c>, <c>"0440"</c>, <c>600</c>); null when empty.
    /// </summary>
    public static UnixFileMode? ParseFileMode(string? value, ProviderRequest request, string objectName) =>
        ParseFileMode(value, request.Class.Description, objectName);

    /// <summary>As above, for callers that have the class but no provider request.</summary>
    public static UnixFileMode? ParseFileMode(string? value, string classDescription, string objectName)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var digits = value.Trim();
        if (digits.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        if (digits.Length is 0 or > 4 || digits.Any(c => c is < '0' or > '7'))
        {
            throw Invalid(classDescription, $"object \"{objectName}\" has filePermission '{value}', which is not an octal file mode such as 0640");
        }

        var mode = Convert.ToInt32(digits, 8);
        if (mode > 0x1FF)
        {
            throw Invalid(classDescription, $"object \"{objectName}\" has filePermission '{value}'; only permission bits (0000-0777) are allowed");
        }

        return (UnixFileMode)mode;
    }
}
