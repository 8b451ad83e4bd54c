namespace CsiDriver.Http;

/// <summary>
/// Backend text that reaches users (events, statuses, logs) kept from breaking a line or a terminal, and bounded.
/// Each backend keeps its own bound and cut marker, which its error texts show.
/// </summary>
internal static class ErrorText
{
    /// <summary>At most <paramref name="max"/> characters of <paramref name="text"/>, then <paramref name="marker"/> when it was cut.</summary>
    public static string Bound(string text, int max, string marker = "…") =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max), marker);

    /// <summary><paramref name="text"/> without its control characters, bounded; empty when null or blank.</summary>
    public static string Clean(string? text, int max) =>
        string.IsNullOrWhiteSpace(text) ? string.Empty : Bound(string.Concat(text.Where(c => !char.IsControl(c))), max);

    /// <summary><paramref name="text"/> bounded, each control character shown as a space.</summary>
    public static string Flatten(string text, int max) =>
        new(Bound(text, max).Select(c => char.IsControl(c) ? ' ' : c).ToArray());
}
