namespace CsiDriver.Templating.Functions;

/// <summary>Go's string helpers the functions share: strconv.Quote, fmt.Sprint, url.QueryEscape, Go templates' evalArgs.</summary>
internal static class GoText
{
    /// <summary>strconv.Quote: double quotes, Go escapes, non-printable runes as \x, \u or \U.</summary>
    public static string Quote(string text, char quote = '"')
    {
        var sb = new StringBuilder(text.Length + 2);
        sb.Append(quote);
        foreach (var rune in text.EnumerateRunes())
        {
            AppendEscaped(sb, rune, quote);
        }

        return sb.Append(quote).ToString();
    }

    private static void AppendEscaped(StringBuilder sb, Rune rune, char quote)
    {
        var value = rune.Value;
        if (value == quote || value == '\\')
        {
            sb.Append('\\').Append((char)value);
            return;
        }

        if (IsPrint(rune))
        {
            sb.Append(rune.ToString());
            return;
        }

        if (GoEscapes.TryLetterFor(value, out var letter))
        {
            sb.Append('\\').Append(letter);
        }
        else if (value < ' ' || value == 0x7f)
        {
            sb.Append("\\x").Append(value.ToString("x2", CultureInfo.InvariantCulture));
        }
        else if (value < 0x10000)
        {
            sb.Append("\\u").Append(value.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append("\\U").Append(value.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    private static bool IsPrint(Rune rune)
    {
        if (rune.Value == ' ')
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    /// <summary>fmt.Sprint: operands joined, with a space between two operands when neither is a string.</summary>
    public static string Sprint(IReadOnlyList<object?> values)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            var isString = values[i] is string or TemplateBytes;
            if (i > 0 && !isString && values[i - 1] is not (string or TemplateBytes))
            {
                sb.Append(' ');
            }

            sb.Append(TemplateValues.FormatOperand(values[i]));
        }

        return sb.ToString();
    }

    /// <summary>fmt.Sprintln: operands always space-separated, newline at the end.</summary>
    public static string Sprintln(IReadOnlyList<object?> values) =>
        string.Join(' ', values.Select(TemplateValues.FormatOperand)) + "\n";

    /// <summary>Go templates' evalArgs: a single string as-is, anything else through fmt.Sprint.</summary>
    public static string EvalArgs(IReadOnlyList<object?> values) =>
        values.Count == 1 && TemplateValues.TryGetText(values[0], out var text) ? text : Sprint(values);

    /// <summary>url.QueryEscape: RFC 3986 unreserved characters kept, space as +, everything else %XX.</summary>
    public static string QueryEscape(string text) => Uri.EscapeDataString(text).Replace("%20", "+", StringComparison.Ordinal);

    /// <summary>template.HTMLEscapeString.</summary>
    public static string HtmlEscape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("\"", "&#34;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\0", "\uFFFD", StringComparison.Ordinal);
}
