namespace CsiDriver.Templating.Functions;

/// <summary>Go's string helpers the functions share: strconv.Quote, fmt.Sprint, url.QueryEscape, Go templates' evalArgs.</summary>
internal static class GoText
{
    /// <summary>strconv.Quote: double quotes, Go escapes, non-printable runes as \x, \u or \U.</summary>
    public static string Quote(string text, char quote = '"') =>
        quote + string.Concat(text.EnumerateRunes().Select(rune => Escape(rune, quote))) + quote;

    private static string Escape(Rune rune, char quote) => rune.Value switch
    {
        var value when value == quote || value == '\\' => "\\" + (char)value,
        _ when IsPrint(rune) => rune.ToString(),
        var value when GoEscapes.TryLetterFor(value, out var letter) => "\\" + letter,
        < ' ' or 0x7f => $"\\x{rune.Value:x2}",
        < 0x10000 => $"\\u{rune.Value:x4}",
        _ => $"\\U{rune.Value:x8}",
    };

    private static bool IsPrint(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.SpaceSeparator);

    /// <summary>fmt.Sprint: operands joined, with a space between two operands when neither is a string.</summary>
    public static string Sprint(IReadOnlyList<object?> values) => string.Concat(values.Select((value, i) =>
        (i > 0 && value is not (string or TemplateBytes) && values[i - 1] is not (string or TemplateBytes) ? " " : "") + TemplateValues.FormatOperand(value)));

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
