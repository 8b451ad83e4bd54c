namespace CsiDriver.Templating;

/// <summary>
/// Turns offsets in the template text into 1-based line and column numbers. Only errors ask, so it
/// counts lines when asked rather than indexing every template it parses.
/// </summary>
internal sealed class LineMap(string text)
{
    /// <summary>A failure of template <paramref name="templateName"/> at <paramref name="offset"/>, located by line and column.</summary>
    public TemplateException Error(TemplateErrorKind kind, string templateName, int offset, string cause)
    {
        var before = text.AsSpan(0, offset);
        return new TemplateException(kind, templateName, before.Count('\n') + 1, offset - before.LastIndexOf('\n'), cause);
    }
}
