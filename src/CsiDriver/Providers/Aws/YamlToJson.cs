using CsiDriver.Spec;

namespace CsiDriver.Providers.Aws;

/// <summary>The first YAML document with sigs.k8s.io/yaml's typed scalars (<see cref="YamlScalars.Yaml11"/>), or null.</summary>
internal static class YamlToJson
{
    public static JsonNode? Convert(string yaml) => YamlDocuments.Read(new StringReader(yaml), YamlScalars.Yaml11).FirstOrDefault();
}
