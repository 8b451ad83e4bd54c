namespace CsiDriver.Publishing;

/// <summary>Renders one <c>spec.templates</c> entry from the objects of a volume.</summary>
public interface ITemplateRenderer
{
    /// <exception cref="SecretStoreException">The template is malformed or fails; the message names it and its position, never a value.</exception>
    byte[] Render(string classDescription, string templateName, string templateText, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> objects);
}
