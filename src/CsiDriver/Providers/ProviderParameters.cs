using System.Globalization;
using CsiDriver.Publishing;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CsiDriver.Providers;

/// <summary>Reads the parameter shapes providers share: YAML object lists and file modes.</summary>
public static class ProviderParameters
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(NullNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>A required parameter, or a clear error naming the class.</summary>
    public static string Required(ProviderRequest request, string key)
    {
        if (request.Attributes.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {request.Class.Description}: parameter '{key}' is not set");
    }

    /// <summary>Parses a YAML list parameter (such as <c>objects</c>) into <typeparamref name="T"/> items.</summary>
    public static List<T> ParseList<T>(ProviderRequest request, string key)
    {
        var text = Required(request, key);
        try
        {
            var items = Yaml.Deserialize<List<T?>>(text) ?? [];
            if (items.Any(i => i is null))
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {request.Class.Description}: parameter '{key}' has an empty entry");
            }

            return items!;
        }
        catch (YamlException ex)
        {
            throw new SecretStoreException(
                FailureKind.InvalidConfiguration,
                $"SecretProviderClass {request.Class.Description}: parameter '{key}' is not a valid YAML list (line {ex.Start.Line}, column {ex.Start.Column})");
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
            throw new SecretStoreException(
                FailureKind.InvalidConfiguration,
                $"SecretProviderClass {classDescription}: object \"{objectName}\" has filePermission '{value}', which is not an octal file mode such as 0640");
        }

        var mode = Convert.ToInt32(digits, 8);
        if (mode > 0x1FF)
        {
            throw new SecretStoreException(
                FailureKind.InvalidConfiguration,
                $"SecretProviderClass {classDescription}: object \"{objectName}\" has filePermission '{value}'; only permission bits (0000-0777) are allowed");
        }

        return (UnixFileMode)mode;
    }

    public static string FormatMode(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0').ToString(CultureInfo.InvariantCulture);
}
