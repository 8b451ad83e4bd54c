namespace CsiDriver.Templating;

/// <summary>
/// Renders External Secrets Operator style templates (Go text/template with Sprig functions) over
/// fetched secret objects, e.g. a DATABASE_URL built from a username, password, host and database.
/// Thread-safe; parsed templates are cached by text.
/// </summary>
internal sealed class TemplateEngine(TemplateLimits limits)
{
    private readonly ParsedTemplateCache _cache = new(limits.MaxCachedTemplates);

    /// <summary>
    /// Renders <paramref name="templateText"/>. Inside it <c>.name</c> and <c>index . "name"</c> yield an
    /// object's value as a string. Throws <see cref="TemplateException"/> naming the template, line and column.
    /// </summary>
    public byte[] Render(
        string templateName,
        string templateText,
        IReadOnlyDictionary<string, ReadOnlyMemory<byte>> data,
        CancellationToken cancellationToken = default)
    {
        if (templateText.Length > limits.MaxTemplateBytes || Encoding.UTF8.GetByteCount(templateText) > limits.MaxTemplateBytes)
        {
            throw new TemplateException(TemplateErrorKind.Limit, templateName, templateText, 0, $"template is larger than {limits.MaxTemplateBytes} bytes");
        }

        var parsed = _cache.GetOrParse(templateText, text => TemplateParser.Parse(templateName, text, limits.MaxNestingDepth));
        return new TemplateExecutor(parsed, templateName, limits, cancellationToken).Execute(new SecretDataMap(data));
    }
}
