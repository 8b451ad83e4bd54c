using System.Runtime.CompilerServices;

namespace CsiDriver.Providers;

/// <summary>
/// Parameter texts parsed once per text instance. A class's parameter strings are the same instances on every
/// publish and rotation pass until the class itself changes, so an <c>objects</c> list is parsed once per class
/// version instead of once per volume per pass; entries go with the strings they were parsed from.
/// </summary>
/// <remarks>
/// Only successful parses are kept (an error names the class it was found in, and is cheap to find again), and what is
/// kept is shared between callers, so <typeparamref name="T"/> is read-only to them.
/// </remarks>
internal static class ParsedParameters
{
    private static readonly ConditionalWeakTable<string, Parsed> Entries = new();

    /// <summary>
    /// <paramref name="parse"/>'s result for <paramref name="text"/>, parsed once for this instance of the text and
    /// <paramref name="inputs"/>: whatever else the parse depends on, compared by value.
    /// </summary>
    public static T GetOrParse<T>(string text, string inputs, Func<T> parse)
        where T : class
    {
        if (Entries.TryGetValue(text, out var entry) && entry.Inputs == inputs && entry.Value is T cached)
        {
            return cached;
        }

        var parsed = parse();
        Entries.AddOrUpdate(text, new Parsed(inputs, parsed));
        return parsed;
    }

    private sealed record Parsed(string Inputs, object Value);
}
