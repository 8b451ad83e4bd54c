namespace CsiDriver.Templating.Functions;

/// <summary>Sprig's integer arithmetic and conversions (cast's lenient rules: unparsable becomes 0).</summary>
internal static class MathFunctions
{
    public static IEnumerable<TemplateFunction> All() =>
    [
        TemplateFunction.Variadic("add", 0, a => a.All.Aggregate(0L, (sum, v) => unchecked(sum + ToInt64(v)))),
        TemplateFunction.Fixed("add1", 1, a => unchecked(ToInt64(a[0]) + 1)),
        TemplateFunction.Fixed("sub", 2, a => unchecked(ToInt64(a[0]) - ToInt64(a[1]))),
        TemplateFunction.Variadic("mul", 1, a => a.All.Aggregate(1L, (product, v) => unchecked(product * ToInt64(v)))),
        TemplateFunction.Fixed("div", 2, a => Divide(a, (x, y) => x / y)),
        TemplateFunction.Fixed("mod", 2, a => Divide(a, (x, y) => x % y)),
        TemplateFunction.Fixed("int", 1, a => ToInt64(a[0])),
        TemplateFunction.Fixed("int64", 1, a => ToInt64(a[0])),
        TemplateFunction.Fixed("atoi", 1, a => long.TryParse(a.Text(0), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0L),
        TemplateFunction.Fixed("float64", 1, a => ToDouble(a[0])),
    ];

    private static object Divide(FunctionArguments args, Func<long, long, long> operation)
    {
        var divisor = ToInt64(args[1]);
        if (divisor == 0)
        {
            throw args.Failure("division by zero");
        }

        var dividend = ToInt64(args[0]);
        return dividend == long.MinValue && divisor == -1 ? dividend : operation(dividend, divisor);
    }

    public static long ToInt64(object? value) => value switch
    {
        long l => l,
        double d => double.IsFinite(d) && Math.Abs(d) < 9.2e18 ? (long)d : 0,
        bool b => b ? 1 : 0,
        string or TemplateBytes when TemplateValues.TryGetText(value, out var text) => ParseInteger(text.Trim()),
        _ => 0,
    };

    /// <summary>strconv.ParseInt(s, 0, 64): 0x, 0o, 0b and leading-0 octal prefixes; "5.0" counts as 5.</summary>
    private static long ParseInteger(string text) =>
        Spec.GoStrconv.TryParseInt(text.EndsWith(".0", StringComparison.Ordinal) ? text[..^2] : text, out var value) ? value : 0;

    private static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        string or TemplateBytes when TemplateValues.TryGetText(value, out var text)
            && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => 0,
    };
}
