namespace CsiDriver.Spec;

/// <summary>Go's <c>strconv</c> parsers, as the upstream driver and providers read their flags and parameters.</summary>
internal static class GoStrconv
{
    /// <summary><c>strconv.ParseBool</c>; null when the text is none of its spellings.</summary>
    public static bool? ParseBool(string? text) => text switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };

    /// <summary><c>strconv.ParseInt(s, 0, 64)</c>: 0x, 0o, 0b, and a leading 0 for octal; false when invalid or out of range.</summary>
    public static bool TryParseInt(string text, out long value)
    {
        var parsed = ParseInteger(text);
        var fits = parsed >= long.MinValue && parsed <= long.MaxValue;
        value = fits ? (long)parsed!.Value : 0;
        return fits;
    }

    /// <summary>An integer literal with an optional sign, underscores and Go's base prefixes; null when invalid. Unbounded: the caller decides what fits.</summary>
    public static System.Numerics.BigInteger? ParseInteger(string text)
    {
        var s = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var signed = s.Length > 0 && s[0] is '+' or '-';
        return ParseMagnitude(signed ? s[1..] : s) is { } magnitude ? (s.StartsWith('-') ? -magnitude : magnitude) : null;
    }

    /// <summary>An unsigned integer literal with Go's base prefixes, underscores removed; null when empty or a digit does not fit its base.</summary>
    private static System.Numerics.BigInteger? ParseMagnitude(string s)
    {
        var radix = 10;
        if (s.Length > 1 && s[0] == '0')
        {
            (radix, s) = char.ToLowerInvariant(s[1]) switch
            {
                'x' => (16, s[2..]),
                'o' => (8, s[2..]),
                'b' => (2, s[2..]),
                _ => (8, s[1..]),
            };
        }

        if (s.Length == 0)
        {
            return null;
        }

        System.Numerics.BigInteger magnitude = 0;
        foreach (var c in s)
        {
            var digit = "0123456789abcdef".IndexOf(char.ToLowerInvariant(c), StringComparison.Ordinal);
            if (digit < 0 || digit >= radix)
            {
                return null;
            }

            magnitude = (magnitude * radix) + digit;
        }

        return magnitude;
    }
}
