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

    public static bool TryGetText(object? value, out string text)
    {
        switch (value)
        {
            case string s:
                text = s;
                return true;
            case TemplateBytes b:
                text = b.ToText();
                return true;
            default:
                text = "";
                return false;
        }
    }

    /// <summary>Raw bytes of a string value (UTF-8 for text, original bytes for binary).</summary>
    public static byte[] ToBytes(object? value) => value switch
    {
        TemplateBytes b => b.Bytes,
        _ => Encoding.UTF8.GetBytes(Format(value)),
    };

    /// <summary>Go's <c>%v</c> formatting (nil prints as empty at the top level).</summary>
    public static string Format(object? value)
    {
        var sb = new StringBuilder();
        AppendFormatted(sb, value, nested: false);
        return sb.ToString();
    }

    private static void AppendFormatted(StringBuilder sb, object? value, bool nested)
    {
        switch (value)
        {
            case null:
                sb.Append(nested ? "<nil>" : "");
                return;
            case string s:
                sb.Append(s);
                return;
            case TemplateBytes b:
                sb.Append(b.ToText());
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                return;
            case double d:
                sb.Append(FormatFloat(d));
                return;
            case IReadOnlyDictionary<string, object?> map:
                sb.Append("map[");
                var first = true;
                foreach (var key in SortedKeys(map))
                {
                    sb.Append(first ? "" : " ").Append(key).Append(':');
                    AppendFormatted(sb, map[key], nested: true);
                    first = false;
                }

                sb.Append(']');
                return;
            case IReadOnlyList<object?> list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(' ');
                    }

                    AppendFormatted(sb, list[i], nested: true);
                }

                sb.Append(']');
                return;
            default:
                sb.Append(value.ToString());
                return;
        }
    }

    public static List<string> SortedKeys(IReadOnlyDictionary<string, object?> map)
    {
        var keys = map.Keys.ToList();
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <summary>Go's <c>%v</c> for float64 (strconv g, shortest): exponent form below 1e-4 or from 1e6.</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        var (digits, point) = ShortestDigits(value);
        var sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        var exponent = point - 1;
        return exponent < -4 || exponent >= 6
            ? sign + ExponentForm(digits, exponent, "00")
            : sign + PlainForm(digits, point);
    }

    /// <summary>encoding/json's float format: plain unless below 1e-6 or from 1e21.</summary>
    public static string FormatJsonFloat(double value)
    {
        var (digits, point) = ShortestDigits(value);
        var sign = value < 0 ? "-" : "";
        var abs = Math.Abs(value);
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
        {
            // Go writes "e-7" in JSON where %v writes "e-07".
            return sign + ExponentForm(digits, point - 1, "0");
        }

        return sign + PlainForm(digits, point);
    }

    /// <summary>Shortest round-trip decimal digits and the decimal point position relative to them.</summary>
    public static (string Digits, int Point) ShortestDigits(double value)
    {
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? text : text[..dot];
        var digits = dot < 0 ? text : integerPart + text[(dot + 1)..];
        var point = integerPart.Length + exponent;
        var leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0')
        {
            leading++;
        }

        digits = digits[leading..];
        point -= leading;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return ("0", 1);
        }

        return (digits, point);
    }

    private static string ExponentForm(string digits, int exponent, string exponentFormat)
    {
        var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        var sign = exponent < 0 ? "-" : "+";
        return mantissa + "e" + sign + Math.Abs(exponent).ToString(exponentFormat, CultureInfo.InvariantCulture);
    }

    private static string PlainForm(string digits, int point)
    {
        if (point <= 0)
        {
            return "0." + new string('0', -point) + digits;
        }

        if (point >= digits.Length)
        {
            return digits + new string('0', point - digits.Length);
        }

        return digits[..point] + "." + digits[point..];
    }

    /// <summary>Go's <c>eq</c>: basic values of the same kind; ints and floats compare numerically here.</summary>
    public static bool AreEqual(object? left, object? right)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        if (IsNumber(left) && IsNumber(right))
        {
            return left is long a && right is long b ? a == b : ToDouble(left) == ToDouble(right);
        }

        if (left is bool lb && right is bool rb)
        {
            return lb == rb;
        }

        if (left is string or TemplateBytes && right is string or TemplateBytes)
        {
            if (left is string ls && right is string rs)
            {
                return string.Equals(ls, rs, StringComparison.Ordinal);
            }

            return ToBytes(left).AsSpan().SequenceEqual(ToBytes(right));
        }

        throw new TemplateFunctionException($"incompatible types for comparison: {TypeName(left)} and {TypeName(right)}");
    }

    /// <summary>Go's ordering for lt/le/gt/ge: numbers with numbers, strings with strings.</summary>
    public static int Compare(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return left is long a && right is long b ? a.CompareTo(b) : ToDouble(left).CompareTo(ToDouble(right));
        }

        if (left is string or TemplateBytes && right is string or TemplateBytes)
        {
            return ToBytes(left).AsSpan().SequenceCompareTo(ToBytes(right));
        }

        if (IsOrdered(left) && IsOrdered(right))
        {
            throw new TemplateFunctionException($"incompatible types for comparison: {TypeName(left)} and {TypeName(right)}");
        }

        throw new TemplateFunctionException($"invalid type for comparison: {TypeName(IsOrdered(left) ? right : left)}");
    }

    public static bool IsNumber(object? value) => value is long or double;

    private static bool IsOrdered(object? value) => value is long or double or string or TemplateBytes;

    private static double ToDouble(object? value) => value is long l ? l : (double)value!;
}
