using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// Writes JSON the way Go's <c>encoding/json</c> marshals decoded values, so files match what the
/// upstream provider wrote: compact, object keys sorted, numbers verbatim, and <c>&lt; &gt; &amp;</c>,
/// U+2028 and U+2029 escaped as <c>\u003c</c> etc.
/// </summary>
internal static class GoJson
{
    public static byte[] Serialize(JsonElement value)
    {
        var builder = new StringBuilder();
        Write(builder, value);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>The upstream provider's file for an object without <c>secretKey</c>: Go's marshalling of <c>api.Secret</c>.</summary>
    public static byte[] SerializeSecret(VaultResponse response)
    {
        var root = response.Root;
        var builder = new StringBuilder("{");
        builder.Append("\"request_id\":");
        WriteString(builder, StringField(root, "request_id"));
        builder.Append(",\"lease_id\":");
        WriteString(builder, StringField(root, "lease_id"));
        builder.Append(",\"lease_duration\":");
        builder.Append(root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("lease_duration", out var d) && d.ValueKind == JsonValueKind.Number
            ? d.GetRawText()
            : "0");
        builder.Append(",\"renewable\":");
        builder.Append(response.Renewable ? "true" : "false");
        builder.Append(",\"data\":");
        WriteField(builder, root, "data", requireObject: true);
        builder.Append(",\"warnings\":");
        WriteField(builder, root, "warnings", requireObject: false);
        foreach (var optional in (string[])["auth", "wrap_info"])
        {
            if (root is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(optional, out var v) && v.ValueKind == JsonValueKind.Object)
            {
                builder.Append(",\"").Append(optional).Append("\":");
                Write(builder, v);
            }
        }

        if (StringField(root, "mount_type") is { Length: > 0 } mountType)
        {
            builder.Append(",\"mount_type\":");
            WriteString(builder, mountType);
        }

        builder.Append('}');
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static string StringField(JsonElement? root, string name) =>
        root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;

    private static void WriteField(StringBuilder builder, JsonElement? root, string name, bool requireObject)
    {
        if (root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) &&
            (requireObject ? v.ValueKind == JsonValueKind.Object : v.ValueKind == JsonValueKind.Array))
        {
            Write(builder, v);
        }
        else
        {
            builder.Append("null");
        }
    }

    private static void Write(StringBuilder builder, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                // Go maps keep the last duplicate key and sort keys by their UTF-8 bytes.
                var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in value.EnumerateObject())
                {
                    properties[property.Name] = property.Value;
                }

                builder.Append('{');
                var first = true;
                foreach (var (name, item) in properties.OrderBy(p => p.Key, Utf8Order.Instance))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    WriteString(builder, name);
                    builder.Append(':');
                    Write(builder, item);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        builder.Append(',');
                    }

                    firstItem = false;
                    Write(builder, item);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(builder, value.GetString() ?? string.Empty);
                break;
            case JsonValueKind.Number:
                builder.Append(value.GetRawText());
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    private static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: builder.Append(c); break;
            }
        }

        builder.Append('"');
    }

    /// <summary>Orders strings by their UTF-8 bytes, as Go sorts map keys.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = Encoding.UTF8.GetBytes(x ?? string.Empty);
            var b = Encoding.UTF8.GetBytes(y ?? string.Empty);
            return a.AsSpan().SequenceCompareTo(b);
        }
    }
}
