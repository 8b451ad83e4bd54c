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
internal sealed class TemplateException(TemplateErrorKind kind, string templateName, int line, int column, string cause)
    : Exception($"template \"{templateName}\" line {line}, column {column}: {cause}")
{
    public TemplateErrorKind Kind { get; } = kind;
}

/// <summary>
/// Thrown by a template function with a value-free cause; the executor adds the template name and position.
/// </summary>
internal sealed class TemplateFunctionException(string cause, TemplateErrorKind kind = TemplateErrorKind.Execution) : Exception(cause)
{
    public TemplateErrorKind Kind { get; } = kind;
}
