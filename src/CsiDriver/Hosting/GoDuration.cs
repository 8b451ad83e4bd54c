namespace CsiDriver.Hosting;

/// <summary>Go's time.ParseDuration format (<c>90s</c>, <c>2m</c>, <c>1h30m</c>, <c>250ms</c>), as upstream flags use.</summary>
public static partial class GoDuration
{
    public static TimeSpan Parse(string text)
    {
        if (text.Length == 0)
        {
            throw new FormatException("empty duration");
        }

        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        // A number, then its unit, repeated: the parts follow one another, so only the start can be out of place.
        if (!char.IsAsciiDigit(text[0]) && text[0] != '.')
        {
            throw new FormatException($"invalid duration '{text}'");
        }

        var total = 0.0;
        foreach (Match part in Part().Matches(text))
        {
            var number = double.Parse(part.Groups["number"].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            total += part.Groups["unit"].Value switch
            {
                "h" => number * 3600e3,
                "m" => number * 60e3,
                "s" => number * 1e3,
                "ms" => number,
                "us" or "µs" => number / 1e3,
                "ns" => number / 1e6,
                _ => throw new FormatException($"invalid duration unit in '{text}'"),
            };
        }

        return TimeSpan.FromMilliseconds(total);
    }

    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var hours = value.TotalHours >= 1 ? ((int)value.TotalHours).ToString(CultureInfo.InvariantCulture) + "h" : string.Empty;
        var minutes = value.Minutes > 0 ? value.Minutes.ToString(CultureInfo.InvariantCulture) + "m" : string.Empty;
        var seconds = value.Seconds > 0 || value.Milliseconds > 0 ? (value.Seconds + (value.Milliseconds / 1000.0)).ToString(CultureInfo.InvariantCulture) + "s" : string.Empty;
        return hours + minutes + seconds;
    }

    [GeneratedRegex("(?<number>[0-9.]+)(?<unit>[^0-9.]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
