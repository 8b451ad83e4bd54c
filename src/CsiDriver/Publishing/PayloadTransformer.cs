using CsiDriver.Providers;
using CsiDriver.Spec;
using CsiDriver.Templating;

namespace CsiDriver.Publishing;

/// <summary>
/// Turns what a provider returned into the volume's files, for any provider: <c>spec.extract</c>
/// first (a JSON-map object becomes one file per property, like ESO's dataFrom.extract), then
/// <c>spec.templates</c> (files built from several objects). Paths are checked later with the rest.
/// </summary>
internal sealed class PayloadTransformer(TemplateEngine templates)
{
    public ProviderResult Apply(SecretProviderClass spc, ProviderResult result)
    {
        if (spc.Extract.Count == 0 && spc.Templates.Count == 0)
        {
            return result;
        }

        var files = result.Files.ToList();
        foreach (var objectName in spc.Extract)
        {
            Extract(spc, files, objectName);
        }

        if (spc.Templates.Count > 0)
        {
            var objects = files.ToDictionary(f => f.Path, f => f.Contents, StringComparer.Ordinal);
            foreach (var template in spc.Templates)
            {
                byte[] contents;
                try
                {
                    contents = templates.Render(template.Path, template.Template, objects);
                }
                catch (TemplateException ex)
                {
                    // The engine's message names the template, the position and the cause, never a value.
                    throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {spc.Description}: {ex.Message}") { Reason = "TemplateError" };
                }

                files.Add(new SecretFile(template.Path, contents, ProviderParameters.ParseFileMode(template.FilePermission, spc.Description, template.Path)));
            }
        }

        return new ProviderResult(files, result.Versions);
    }

    private static void Extract(SecretProviderClass spc, List<SecretFile> files, string objectName)
    {
        var index = files.FindIndex(f => f.Path == objectName);
        if (index < 0)
        {
            throw new SecretStoreException(
                FailureKind.InvalidConfiguration,
                $"SecretProviderClass {spc.Description}: spec.extract names \"{objectName}\", which is not one of the class's objects");
        }

        var source = files[index];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(source.Contents);
        }
        catch (JsonException)
        {
            // The parser's message can quote the content, so only the object is named.
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {spc.Description}: object \"{objectName}\" is not JSON, so spec.extract cannot expand it");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {spc.Description}: object \"{objectName}\" is JSON but not an object, so spec.extract cannot expand it");
            }

            files.RemoveAt(index);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                files.Add(new SecretFile($"{objectName}/{property.Name}", Encoding.UTF8.GetBytes(value), source.Mode));
            }
        }
    }
}
