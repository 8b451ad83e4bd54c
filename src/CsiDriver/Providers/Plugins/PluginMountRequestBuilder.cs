using CsiDriver.Protos.Provider.V1Alpha1;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Plugins;

/// <summary>
/// Builds the v1alpha1 MountRequest the way the upstream driver does (nodeserver.go): attributes
/// JSON (parameters, volume attributes over them, the pod's token JSON), secrets JSON (<c>null</c>
/// when there are none, as Go encodes a nil map), permission as a decimal string.
/// </summary>
internal static class PluginMountRequestBuilder
{
    public static MountRequest Build(ProviderRequest request)
    {
        var attributes = new SortedDictionary<string, string>(request.Attributes.ToDictionary(), StringComparer.Ordinal);

        // Plugins (Azure, AWS, GCP, Vault) read the pod's tokens from this attribute.
        if (request.Pod.Tokens.RawJson is { Length: > 0 } tokens)
        {
            attributes[ServiceAccountTokens.AttributeKey] = tokens;
        }

        var mount = new MountRequest
        {
            Attributes = ToJson(attributes),
            Secrets = request.Secrets.Count == 0 ? "null" : ToJson(new SortedDictionary<string, string>(request.Secrets.ToDictionary(), StringComparer.Ordinal)),
            TargetPath = request.TargetPath,
            Permission = ((int)request.DefaultFileMode).ToString(CultureInfo.InvariantCulture),
        };
        foreach (var version in request.CurrentVersions)
        {
            mount.CurrentObjectVersion.Add(new Protos.Provider.V1Alpha1.ObjectVersion { Id = version.Id, Version = version.Version });
        }

        return mount;
    }

    /// <summary>A JSON object of strings with keys in ordinal order, as Go's encoding/json writes a map.</summary>
    private static string ToJson(SortedDictionary<string, string> map) =>
        new JsonObject(map.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))).ToJsonString();
}
