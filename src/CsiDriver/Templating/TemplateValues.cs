namespace CsiDriver.Templating;

/// <summary>
/// The template value model and Go's rules for it. Values are null, bool, long, double, string,
/// <see cref="TemplateBytes"/>, lists (<see cref="IReadOnlyList{T}"/>) and string-keyed maps.
/// </summary>
internal static class TemplateValues
{
    public static string TypeName(object? value) => value switch
    {
        null => "nil",
        string or TemplateBytes => "string",
        bool => "bool",
        long => "int",
        double => "float64",
        IReadOnlyDictionary<string, object?> => "map",
        IReadOnlyList<object?> => "list",
        _ => value.GetType().Name,
    };

    /// <summary>Go's truth: false, 0, nil and empty strings, lists and maps are false.</summary>
    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        TemplateBytes b => b.Bytes.Length > 0,
        IReadOnlyDictionary<string, object?> m => m.Count > 0,
        IReadOnlyList<object?> l => l.Count > 0,
        _ => true,
    };

    /// <summary>The text of a string value; false for any other kind.</summary>
    public static bool TryGetText(object? value, out string text)
    {
        text = value switch { string s => s, TemplateBytes b => b.ToText(), _ => "" };
        return value is string or TemplateBytes;
    }

    /// <summary>The bytes a value prints as: a binary string's own bytes, anything else its %v text in UTF-8.</summary>
    public static byte[] ToBytes(object? value) => value switch
    {
        TemplateBytes b => b.Bytes,
        _ => Encoding.UTF8.GetBytes(Format(value)),
    };

    /// <summary>Go's <c>%v</c> formatting (nil prints as empty at the top level).</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        TemplateBytes b => b.ToText(),
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        IReadOnlyDictionary<string, object?> map => $"map[{string.Join(' ', SortedKeys(map).Select(key => key + ":" + FormatOperand(map[key])))}]",
        IReadOnlyList<object?> list => $"[{string.Join(' ', list.Select(FormatOperand))}]",
        _ => value.ToString() ?? "",
    };

    /// <summary>%v of an operand of fmt.Sprint or an element of a list or map (Sprig's strval): nil prints as &lt;nil&gt;.</summary>
    public static string FormatOperand(object? value) => value is null ? "<nil>" : Format(value);

    /// <summary>Map keys in Go's order: by UTF-8 bytes, which differs from UTF-16 ordinal order above U+FFFF.</summary>
    public static List<string> SortedKeys(IReadOnlyDictionary<string, object?> map) =>
        [.. map.Keys.Order(Comparer<string>.Create((x, y) => Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y))))];

    /// <summary>Go's <c>%v</c> for float64 (strconv g, shortest): exponent form below 1e-4 or from 1e6.</summary>
    public static string FormatFloat(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsInfinity(value) ? (value > 0 ? "+Inf" : "-Inf")
        : FormatShortest(value, minPlainExponent: -4, maxPlainExponent: 5, exponentDigits: "00");

    /// <summary>encoding/json's float format: plain unless below 1e-6 or from 1e21, and "e-7" where %v writes "e-07".</summary>
    public static string FormatJsonFloat(double value) =>
        FormatShortest(value, minPlainExponent: -6, maxPlainExponent: 20, exponentDigits: "0");

    /// <summary>
    /// The shortest digits that round-trip (as .NET's "R" finds them), laid out plainly when the decimal
    /// exponent is within the bounds and as d.ddde±XX otherwise.
    /// </summary>
    private static string FormatShortest(double value, int minPlainExponent, int maxPlainExponent, string exponentDigits)
    {
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? text : text[..e];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var allDigits = mantissa.Replace(".", "", StringComparison.Ordinal);
        var digits = allDigits.TrimStart('0');

        // point: where the decimal point goes, counted in digits from the first significant one.
        var point = (dot < 0 ? mantissa.Length : dot) - (allDigits.Length - digits.Length)
            + (e < 0 ? 0 : int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            (digits, point) = ("0", 1);
        }

        var sign = double.IsNegative(value) ? "-" : "";
        var exponent = point - 1;
        if (exponent < minPlainExponent || exponent > maxPlainExponent)
        {
            var fraction = digits.Length == 1 ? "" : "." + digits[1..];
            return $"{sign}{digits[0]}{fraction}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent).ToString(exponentDigits, CultureInfo.InvariantCulture)}";
        }

        return sign + (point <= 0 ? "0." + new string('0', -point) + digits
            : point >= digits.Length ? digits + new string('0', point - digits.Length)
            : digits[..point] + "." + digits[point..]);
    }

    /// <summary>Go's <c>eq</c>: basic values of the same kind; ints and floats compare numerically here.</summary>
    public static bool AreEqual(object? left, object? right) => (left, right) switch
    {
        (null, _) or (_, null) => left is null && right is null,
        (bool a, bool b) => a == b,
        (long a, long b) => a == b,
        _ when IsNumber(left) && IsNumber(right) => ToDouble(left) == ToDouble(right),
        (string or TemplateBytes, string or TemplateBytes) => ToBytes(left).AsSpan().SequenceEqual(ToBytes(right)),
        _ => throw Incompatible(left, right),
    };

    /// <summary>Go's ordering for lt/le/gt/ge: numbers with numbers, strings with strings.</summary>
    public static int Compare(object? left, object? right) => (left, right) switch
    {
        (long a, long b) => a.CompareTo(b),
        _ when IsNumber(left) && IsNumber(right) => ToDouble(left).CompareTo(ToDouble(right)),
        (string or TemplateBytes, string or TemplateBytes) => ToBytes(left).AsSpan().SequenceCompareTo(ToBytes(right)),
        _ when IsOrdered(left) && IsOrdered(right) => throw Incompatible(left, right),
        _ => throw new TemplateFunctionException($"invalid type for comparison: {TypeName(IsOrdered(left) ? right : left)}"),
    };

    private static TemplateFunctionException Incompatible(object? left, object? right) =>
        new($"incompatible types for comparison: {TypeName(left)} and {TypeName(right)}");

    public static bool IsNumber(object? value) => value is long or double;

    private static bool IsOrdered(object? value) => value is long or double or string or TemplateBytes;

    private static double ToDouble(object? value) => value is long l ? l : (double)value!;
}
