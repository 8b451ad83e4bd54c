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
        value = 0;
        var s = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (ParseMagnitude(s) is not { } magnitude)
        {
            return false;
        }

        var signed = negative ? -magnitude : magnitude;
        if (signed < long.MinValue || signed > long.MaxValue)
        {
            return false;
        }

        value = (long)signed;
        return true;
    }

    /// <summary>
    /// An unsigned integer literal with Go's base prefixes (0x, 0o, 0b, a leading 0 for octal), underscores already
    /// removed; null when it is empty or a digit does not fit its base. Unbounded: the caller decides what fits.
    /// </summary>
    public static System.Numerics.BigInteger? ParseMagnitude(string s)
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
