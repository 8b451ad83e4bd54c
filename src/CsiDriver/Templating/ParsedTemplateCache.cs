namespace CsiDriver.Templating;

/// <summary>
/// Parsed templates by text, so rotation re-renders without re-parsing. Bounded: when full it is
/// emptied (parsing is cheap; an unbounded cache keyed by user text would not be).
/// </summary>
internal sealed class ParsedTemplateCache(int capacity)
{
    private readonly ConcurrentDictionary<string, ParsedTemplate> _entries = new(StringComparer.Ordinal);

    public ParsedTemplate GetOrParse(string text, Func<string, ParsedTemplate> parse)
    {
        if (_entries.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var parsed = parse(text);
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }

        _entries.TryAdd(text, parsed);
        return parsed;
    }
}
