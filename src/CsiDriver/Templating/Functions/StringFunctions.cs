namespace CsiDriver.Templating.Functions;

/// <summary>Sprig's string functions; the subject comes last so they read well in pipelines.</summary>
internal static class StringFunctions
{
    public static IEnumerable<TemplateFunction> All() =>
    [
        TemplateFunction.Fixed("upper", 1, a => a.Text(0).ToUpperInvariant()),
        TemplateFunction.Fixed("lower", 1, a => a.Text(0).ToLowerInvariant()),
        TemplateFunction.Fixed("trim", 1, a => a.Text(0).Trim()),
        TemplateFunction.Fixed("trimAll", 2, a => a.Text(1).Trim(a.Text(0).ToCharArray())),
        TemplateFunction.Fixed("trimPrefix", 2, a => a.Text(1).StartsWith(a.Text(0), StringComparison.Ordinal) ? a.Text(1)[a.Text(0).Length..] : a.Text(1)),
        TemplateFunction.Fixed("trimSuffix", 2, a => a.Text(1).EndsWith(a.Text(0), StringComparison.Ordinal) ? a.Text(1)[..^a.Text(0).Length] : a.Text(1)),
        TemplateFunction.Fixed("nospace", 1, a => string.Concat(a.Text(0).Where(c => !char.IsWhiteSpace(c)))),
        TemplateFunction.Fixed("toString", 1, a => TemplateValues.FormatOperand(a[0])),
        TemplateFunction.Variadic("quote", 0, a => string.Join(' ', a.All.Where(v => v is not null).Select(v => GoText.Quote(TemplateValues.FormatOperand(v))))),
        TemplateFunction.Variadic("squote", 0, a => string.Join(' ', a.All.Where(v => v is not null).Select(v => "'" + TemplateValues.FormatOperand(v) + "'"))),
        TemplateFunction.Variadic("cat", 0, a => string.Join(' ', a.All.Where(v => v is not null).Select(TemplateValues.FormatOperand))),
        TemplateFunction.Fixed("replace", 3, Replace),
        TemplateFunction.Fixed("repeat", 2, Repeat),
        TemplateFunction.Fixed("substr", 3, Substring),
        TemplateFunction.Fixed("trunc", 2, Truncate),
        TemplateFunction.Fixed("contains", 2, a => a.Text(1).Contains(a.Text(0), StringComparison.Ordinal)),
        TemplateFunction.Fixed("hasPrefix", 2, a => a.Text(1).StartsWith(a.Text(0), StringComparison.Ordinal)),
        TemplateFunction.Fixed("hasSuffix", 2, a => a.Text(1).EndsWith(a.Text(0), StringComparison.Ordinal)),
        TemplateFunction.Fixed("split", 2, Split),
        TemplateFunction.Fixed("splitList", 2, a => SplitParts(a.Text(1), a.Text(0)).Cast<object?>().ToList()),
        TemplateFunction.Fixed("join", 2, Join),
        TemplateFunction.Fixed("indent", 2, a => Indent(a, a.Integer(0), a.Text(1))),
        TemplateFunction.Fixed("nindent", 2, a => "\n" + Indent(a, a.Integer(0), a.Text(1))),
    ];

    private static object Replace(FunctionArguments args)
    {
        var (old, replacement, source) = (args.Text(0), args.Text(1), args.Text(2));
        if (old.Length == 0)
        {
            // Go inserts the replacement before every rune and at the end.
            var runes = SplitParts(source, "");
            args.EnsureSize(source.Length + ((long)replacement.Length * (runes.Length + 1)));
            return string.Join(replacement, ["", .. runes, ""]);
        }

        args.EnsureSize(source.Length + ((long)source.AsSpan().Count(old) * (replacement.Length - old.Length)));
        return source.Replace(old, replacement, StringComparison.Ordinal);
    }

    private static object Repeat(FunctionArguments args)
    {
        var count = args.Integer(0);
        var text = args.Text(1);
        if (count < 0)
        {
            throw args.Failure("negative repeat count");
        }

        if (text.Length == 0 || count == 0)
        {
            return "";
        }

        args.EnsureSize(count * text.Length);
        return new StringBuilder(text.Length * (int)count).Insert(0, text, (int)count).ToString();
    }

    private static object Substring(FunctionArguments args)
    {
        var (start, end, text) = (args.Integer(0), args.Integer(1), args.Text(2));
        return start < 0 ? text[..(int)Math.Clamp(end, 0, text.Length)]
            : start > text.Length ? ""
            : end < 0 || end > text.Length ? text[(int)start..]
            : end < start ? "" : text[(int)start..(int)end];
    }

    private static object Truncate(FunctionArguments args)
    {
        var (count, text) = (args.Integer(0), args.Text(1));
        return count < 0 && text.Length + count > 0 ? text[(int)(text.Length + count)..]
            : count >= 0 && text.Length > count ? text[..(int)count] : text;
    }

    /// <summary>Sprig's split returns a map _0, _1, ... (use splitList for a list).</summary>
    private static Dictionary<string, object?> Split(FunctionArguments args) =>
        SplitParts(args.Text(1), args.Text(0)).Select((part, i) => KeyValuePair.Create("_" + i, (object?)part)).ToDictionary(StringComparer.Ordinal);

    /// <summary>Go's strings.Split: an empty separator splits into runes.</summary>
    private static string[] SplitParts(string text, string separator) =>
        separator.Length == 0
            ? [.. text.EnumerateRunes().Select(r => r.ToString())]
            : text.Split(separator);

    private static object Join(FunctionArguments args)
    {
        var separator = args.Text(0);
        IEnumerable<string> parts = args[1] switch
        {
            IReadOnlyList<object?> list => list.Where(v => v is not null).Select(TemplateValues.FormatOperand),
            null => [],
            var single => [TemplateValues.FormatOperand(single)],
        };
        return string.Join(separator, parts);
    }

    private static string Indent(FunctionArguments args, long spaces, string text)
    {
        if (spaces < 0)
        {
            throw args.Failure("negative indent");
        }

        var lines = 1L + text.Count(c => c == '\n');
        args.EnsureSize(text.Length + (spaces * lines));
        var pad = new string(' ', (int)spaces);
        return pad + text.Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }
}
