namespace CsiDriver.Templating.Functions;

/// <summary>
/// fmt.Sprintf for the verbs templates use: %s %v %q %d %x %X %o %b %c %t %f %e %g %%, with flags
/// (- + space 0), width and precision. Go prints type mismatches into the output ("%!d(string=...)");
/// here they are errors, so a secret never lands in a file by accident.
/// </summary>
internal static partial class GoPrintf
{
    public static string Format(FunctionArguments args)
    {
        var format = args.Text(0);
        var sb = new StringBuilder(format.Length + 16);
        var next = 1;
        var copied = 0;
        foreach (Match match in Directive().Matches(format))
        {
            sb.Append(format, copied, match.Index - copied);
            copied = match.Index + match.Length;
            var spec = ReadSpec(match, args);
            if (spec.Verb == '%')
            {
                sb.Append('%');
                continue;
            }

            if (next >= args.Count)
            {
                throw args.Failure($"missing argument for %{spec.Verb}");
            }

            Pad(sb, FormatOne(spec, args[next], next, args), spec, args);
            next++;
        }

        if (next < args.Count)
        {
            throw args.Failure($"{args.Count - next} extra argument(s) for the format");
        }

        return sb.Append(format, copied, format.Length - copied).ToString();
    }

    /// <summary>One directive: %, flags, width, .precision and the verb (missing when the format ends first).</summary>
    [GeneratedRegex(@"%(?<flags>[-+ 0#]*)(?<width>[0-9]*)(?:\.(?<precision>[0-9]*))?(?<verb>[\s\S])?", RegexOptions.CultureInvariant)]
    private static partial Regex Directive();

    private readonly record struct Spec(char Verb, bool Minus, bool Plus, bool Space, bool Zero, int Width, int Precision);

    private static Spec ReadSpec(Match match, FunctionArguments args)
    {
        var verb = match.Groups["verb"];
        if (!verb.Success)
        {
            throw args.Failure("format ends in the middle of a verb");
        }

        if (verb.Value == "*")
        {
            throw args.Failure("'*' width or precision is not supported");
        }

        var flags = match.Groups["flags"].Value;
        var precision = match.Groups["precision"];
        return new Spec(verb.Value[0], flags.Contains('-'), flags.Contains('+'), flags.Contains(' '), flags.Contains('0'),
            ReadNumber(match.Groups["width"], args, absent: -1), precision.Success ? ReadNumber(precision, args, absent: 0) : -1);
    }

    /// <summary>A width or precision; one past the output limit fails here, before it could size a buffer.</summary>
    private static int ReadNumber(Group digits, FunctionArguments args, int absent)
    {
        if (digits.Length == 0)
        {
            return absent;
        }

        var value = long.TryParse(digits.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : long.MaxValue;
        args.EnsureSize(value);
        return (int)value;
    }

    private static string FormatOne(Spec spec, object? value, int position, FunctionArguments args)
    {
        switch (spec.Verb)
        {
            case 'v':
                return value is double d0 && spec.Precision < 0 ? Signed(TemplateValues.FormatFloat(d0), spec)
                    : value is long l0 ? Signed(l0.ToString(CultureInfo.InvariantCulture), spec)
                    : TemplateValues.FormatOperand(value);
            case 's':
                var text = TemplateValues.FormatOperand(value);
                return spec.Precision >= 0 ? string.Concat(text.EnumerateRunes().Take(spec.Precision)) : text;
            case 'q':
                return value is long rune ? GoText.Quote(char.ConvertFromUtf32((int)rune), '\'')
                    : GoText.Quote(TemplateValues.TryGetText(value, out var q) ? q : throw Mismatch());
            case 'd':
                return Signed(Integer().ToString(CultureInfo.InvariantCulture), spec);
            case 'x' or 'X':
                var hex = value switch
                {
                    long l => (l < 0 ? "-" : "") + Math.Abs(l).ToString("x", CultureInfo.InvariantCulture),
                    string or TemplateBytes => Convert.ToHexStringLower(TemplateValues.ToBytes(value)),
                    _ => throw Mismatch(),
                };
                return spec.Verb == 'X' ? hex.ToUpperInvariant() : hex;
            case 'o' or 'b':
                return Signed(Radix(Integer(), spec.Verb == 'o' ? 8 : 2), spec);
            case 'c':
                return char.ConvertFromUtf32((int)Integer());
            case 't':
                return value is bool b ? (b ? "true" : "false") : throw Mismatch();
            case 'f' or 'F' or 'e' or 'E' or 'g' or 'G':
                return Signed(FormatFloat(spec, value switch { double d => d, long l => l, _ => throw Mismatch() }), spec);
            default:
                throw args.Failure($"unsupported verb %{spec.Verb}");
        }

        long Integer() => value is long l ? l : throw Mismatch();

        TemplateFunctionException Mismatch() =>
            args.Failure($"%{spec.Verb} can't format argument {position + 1} of type {TemplateValues.TypeName(value)}");
    }

    private static string Radix(long value, int radix) =>
        (value < 0 ? "-" : "") + Convert.ToString(value == long.MinValue ? long.MaxValue : Math.Abs(value), radix);

    private static string FormatFloat(Spec spec, double value)
    {
        if (spec.Verb is 'f' or 'F' or 'e' or 'E')
        {
            var text = value.ToString($"{spec.Verb}{(spec.Precision < 0 ? 6 : spec.Precision)}", CultureInfo.InvariantCulture);
            return ExtraExponentZeros().Replace(text, "");
        }

        var g = spec.Precision < 0
            ? TemplateValues.FormatFloat(value)
            : value.ToString("G" + Math.Max(1, spec.Precision), CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
        return spec.Verb == 'G' ? g.ToUpperInvariant() : g;
    }

    /// <summary>The zeros that make .NET's e+003 where Go writes e+03 (.NET's "G" already writes two digits).</summary>
    [GeneratedRegex("(?<=[eE][-+])0+(?=[0-9]{2})", RegexOptions.CultureInvariant)]
    private static partial Regex ExtraExponentZeros();

    private static string Signed(string number, Spec spec) =>
        number.StartsWith('-') ? number : spec.Plus ? "+" + number : spec.Space ? " " + number : number;

    private static void Pad(StringBuilder sb, string body, Spec spec, FunctionArguments args)
    {
        var length = body.EnumerateRunes().Count();
        if (spec.Width <= length)
        {
            sb.Append(body);
            return;
        }

        args.EnsureSize((long)sb.Length + spec.Width);
        var padding = spec.Width - length;
        if (spec.Minus)
        {
            sb.Append(body).Append(' ', padding);
        }
        else if (spec.Zero && "dxXobfFeEgG".Contains(spec.Verb) && body.Length > 0)
        {
            var signLength = body[0] is '-' or '+' or ' ' ? 1 : 0;
            sb.Append(body, 0, signLength).Append('0', padding).Append(body, signLength, body.Length - signLength);
        }
        else
        {
            sb.Append(' ', padding).Append(body);
        }
    }
}
