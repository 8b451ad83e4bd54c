namespace CsiDriver.Templating.Functions;

/// <summary>
/// JSON as Go's encoding/json writes and reads it: sorted map keys, HTML-safe escapes (unless raw); template
/// values decode numbers as float64, while backend JSON written from a <see cref="JsonElement"/> keeps them verbatim.
/// The one Go-compatible JSON writer: templates and the Vault provider's files use it.
/// </summary>
internal static class GoJson
{
    private const int MaxDepth = 64;

    public static string Serialize(object? value, bool escapeHtml, string? indent)
    {
        var sb = new StringBuilder();
        Write(sb, value, escapeHtml, indent, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, bool escapeHtml, string? indent, int level)
    {
        if (level > MaxDepth)
        {
            throw new TemplateFunctionException($"value nested deeper than {MaxDepth}");
        }

        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case JsonElement { ValueKind: JsonValueKind.Number } number:
                sb.Append(number.GetRawText());
                return;
            case JsonElement element:
                Write(sb, ToValue(element, nested => nested), escapeHtml, indent, level);
                return;
            case bool or long:
                // The same text as a template prints them.
                sb.Append(TemplateValues.Format(value));
                return;
            case double d:
                if (!double.IsFinite(d))
                {
                    throw new TemplateFunctionException("unsupported float value");
                }

                sb.Append(TemplateValues.FormatJsonFloat(d));
                return;
            case IReadOnlyDictionary<string, object?> map:
                WriteContainer(sb, '{', '}', TemplateValues.SortedKeys(map), indent, level, (key, inner) =>
                {
                    WriteString(sb, key, escapeHtml);
                    sb.Append(indent is null ? ":" : ": ");
                    Write(sb, map[key], escapeHtml, indent, inner);
                });
                return;
            case IReadOnlyList<object?> list:
                WriteContainer(sb, '[', ']', list, indent, level, (item, inner) => Write(sb, item, escapeHtml, indent, inner));
                return;
            default:
                // Strings, and anything else as the text a template prints for it.
                WriteString(sb, TemplateValues.Format(value), escapeHtml);
                return;
        }
    }

    private static void WriteContainer<T>(
        StringBuilder sb, char open, char close, IReadOnlyList<T> items, string? indent, int level, Action<T, int> writeItem)
    {
        sb.Append(open);
        for (var i = 0; i < items.Count; i++)
        {
            NewLine(sb.Append(i > 0 ? "," : ""), indent, level + 1);
            writeItem(items[i], level + 1);
        }

        // An empty container stays on one line: {} and [].
        NewLine(sb, items.Count > 0 ? indent : null, level);
        sb.Append(close);
    }

    private static void NewLine(StringBuilder sb, string? indent, int level)
    {
        if (indent is not null)
        {
            sb.Append('\n').Insert(sb.Length, indent, level);
        }
    }

    /// <summary>Backend JSON as Go marshals a decoded value: compact, object keys sorted by UTF-8 bytes (the last duplicate wins), numbers verbatim.</summary>
    public static byte[] Serialize(JsonElement value) => Encoding.UTF8.GetBytes(Serialize(value, escapeHtml: true, indent: null));

    /// <summary>Appends <paramref name="value"/> as <see cref="Serialize(JsonElement)"/> writes it.</summary>
    public static void Write(StringBuilder sb, JsonElement value) => Write(sb, value, escapeHtml: true, indent: null, 0);

    /// <summary>Appends a JSON string with Go's escapes (<c>&lt; &gt; &amp;</c> too when <paramref name="escapeHtml"/>).</summary>
    public static void WriteString(StringBuilder sb, string text, bool escapeHtml)
    {
        sb.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n' or '\r' or '\t' or '\b' or '\f' when GoEscapes.TryLetterFor(c, out var letter):
                    sb.Append('\\').Append(letter);
                    break;
                case '<' or '>' or '&' when escapeHtml:
                case '\u2028' or '\u2029':
                case < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>Parses JSON into maps, lists, strings, float64 numbers, bools and nil.</summary>
    public static object? Deserialize(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
            return Decode(document.RootElement);
        }
        catch (JsonException e)
        {
            // JsonException's message quotes the offending input; report only its position.
            throw new TemplateFunctionException(
                $"input is not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})");
        }
    }

    /// <summary>One JSON value in the template value model, its members and items converted by <paramref name="nested"/>.</summary>
    private static object? ToValue(JsonElement element, Func<JsonElement, object?> nested) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(
            new Dictionary<string, object?>(StringComparer.Ordinal),
            (map, property) =>
            {
                map[property.Name] = nested(property.Value);
                return map;
            }),
        JsonValueKind.Array => element.EnumerateArray().Select(nested).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static object? Decode(JsonElement element) => ToValue(element, Decode);
}
