using System.Text.RegularExpressions;
using CsiDriver.Templating;

namespace CsiDriver.Tests.Templating;

/// <summary>
/// The template name, position and cause of a <see cref="TemplateException"/>, read from its message: the only place
/// the driver reports them (in a Kubernetes event, a status message or a log line).
/// </summary>
internal static partial class TemplateErrorMessage
{
    extension(TemplateException error)
    {
        public string TemplateName => Part(error, "name");

        public int Line => int.Parse(Part(error, "line"), System.Globalization.CultureInfo.InvariantCulture);

        public int Column => int.Parse(Part(error, "column"), System.Globalization.CultureInfo.InvariantCulture);

        public string Cause => Part(error, "cause");
    }

    private static string Part(TemplateException error, string part)
    {
        var match = Shape().Match(error.Message);
        match.Success.Should().BeTrue($"a template error message names the template, line and column: {error.Message}");
        return match.Groups[part].Value;
    }

    [GeneratedRegex("""^template "(?<name>[^"]*)" line (?<line>[0-9]+), column (?<column>[0-9]+): (?<cause>.*)$""", RegexOptions.Singleline)]
    private static partial Regex Shape();
}
