namespace CsiDriver.Templating;

/// <summary>Go's one-letter escapes (<c>\a \b \f \n \r \t \v</c>): one table for the lexer that reads them and the writers that quote.</summary>
internal static class GoEscapes
{
    private const string Controls = "\a\b\f\n\r\t\v";
    private const string Letters = "abfnrtv";

    /// <summary>The letter that escapes <paramref name="control"/>, when Go has one for it.</summary>
    public static bool TryLetterFor(int control, out char letter) => TryMap(Controls, Letters, control, out letter);

    /// <summary>The control character that <c>\</c><paramref name="letter"/> stands for.</summary>
    public static bool TryControlFor(char letter, out char control) => TryMap(Letters, Controls, letter, out control);

    private static bool TryMap(string from, string to, int c, out char mapped)
    {
        var i = c is >= 0 and <= char.MaxValue ? from.IndexOf((char)c, StringComparison.Ordinal) : -1;
        mapped = i < 0 ? '\0' : to[i];
        return i >= 0;
    }
}
