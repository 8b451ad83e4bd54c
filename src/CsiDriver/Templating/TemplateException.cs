namespace CsiDriver.Templating;

/// <summary>Which stage of templating failed.</summary>
internal enum TemplateErrorKind
{
    /// <summary>The template text is malformed (unclosed action, unknown function, bad syntax).</summary>
    Parse,

    /// <summary>The template is well formed but failed while rendering (missing key, wrong type, bad input).</summary>
    Execution,

    /// <summary>A size, step, depth or iteration limit was exceeded.</summary>
    Limit,
}

/// <summary>
/// A template failure naming the template, the 1-based line and column, and the cause. The message
/// holds only names, positions and function names: never a data value or rendered output.
/// </summary>
/// <remarks>The position comes as an offset into the template text; lines are counted only here, when an error asks.</remarks>
internal sealed class TemplateException(TemplateErrorKind kind, string templateName, string text, int offset, string cause)
    : Exception(Locate(templateName, text.AsSpan(0, offset), cause))
{
    public TemplateErrorKind Kind { get; } = kind;

    private static string Locate(string templateName, ReadOnlySpan<char> before, string cause) =>
        $"template \"{templateName}\" line {before.Count('\n') + 1}, column {before.Length - before.LastIndexOf('\n')}: {cause}";
}

/// <summary>
/// Thrown by a template function with a value-free cause; the executor adds the template name and position.
/// </summary>
internal sealed class TemplateFunctionException(string cause, TemplateErrorKind kind = TemplateErrorKind.Execution) : Exception(cause)
{
    public TemplateErrorKind Kind { get; } = kind;
}
