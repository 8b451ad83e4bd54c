namespace CsiDriver.Templating;

/// <summary>
/// Turns offsets in the template text into 1-based line and column numbers. Only errors ask, so it
/// counts lines when asked rather than indexing every template it parses.
/// </summary>
internal sealed class LineMap(string text)
{
    public (int Line, int Column) Locate(int offset)
    {
        var before = text.AsSpan(0, offset);
        return (before.Count('\n') + 1, offset - before.LastIndexOf('\n'));
    }
}
