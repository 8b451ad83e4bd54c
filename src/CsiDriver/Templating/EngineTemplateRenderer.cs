using CsiDriver.Publishing;

namespace CsiDriver.Templating;

/// <summary>Connects the template engine to the publish pipeline: its errors become class errors naming the template.</summary>
internal sealed class EngineTemplateRenderer : ITemplateRenderer
{
    private readonly TemplateEngine _engine = new(TemplateLimits.Default);

    public byte[] Render(string classDescription, string templateName, string templateText, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> objects)
    {
        try
        {
            return _engine.Render(templateName, templateText, objects);
        }
        catch (TemplateException ex)
        {
            // The engine's message names the template, the position and the cause, never a value.
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {classDescription}: {ex.Message}") { Reason = "TemplateError" };
        }
    }
}
