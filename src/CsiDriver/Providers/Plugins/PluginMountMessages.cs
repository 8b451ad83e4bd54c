using CsiDriver.Protos.Provider.V1Alpha1;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Plugins;

/// <summary>
/// The v1alpha1 Mount messages, as the upstream driver writes and reads them (nodeserver.go). The request: attributes
/// JSON (parameters, volume attributes over them, the pod's token JSON), secrets JSON (<c>null</c> when there are
/// none, as Go encodes a nil map), permission as a decimal string. The response: a non-empty <c>error.code</c> fails
/// the mount, and a response without any object version is an error.
/// </summary>
internal static class PluginMountMessages
{
    private const int MaxCodeLength = 100;

    /// <summary>The MountRequest for <paramref name="request"/>.</summary>
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

    /// <summary>The files and versions of <paramref name="response"/>, or the failure it reports.</summary>
    public static ProviderResult Read(MountResponse response, string provider, ProviderRequest request)
    {
        if (response.Error is { Code.Length: > 0 } error)
        {
            var code = Sanitize(error.Code);
            throw Failed(request, provider, $"failed the mount with error code {code}", code);
        }

        if (response.ObjectVersion.Count == 0)
        {
            throw Failed(request, provider, "returned no object versions (missing object versions)", "GRPCProviderError");
        }

        var files = new List<SecretFile>(response.Files.Count);
        foreach (var file in response.Files)
        {
            if (file.Mode is < 0 or > 0x1FF)
            {
                throw Failed(request, provider, $"returned file \"{Sanitize(file.Path)}\" with mode {file.Mode}; only permission bits (0-511) are allowed", "GRPCProviderError");
            }

            // Mode 0 means "not set" here (upstream would write a 0000 file); the volume default applies.
            files.Add(new SecretFile(file.Path, file.Contents.Memory, file.Mode == 0 ? null : (UnixFileMode)file.Mode));
        }

        var versions = response.ObjectVersion.Select(v => new Providers.ObjectVersion(v.Id, v.Version)).ToList();
        return new ProviderResult(files, versions);
    }

    private static SecretStoreException Failed(ProviderRequest request, string provider, string what, string reason) =>
        new(FailureKind.Unavailable, $"SecretProviderClass {request.Class.Description}: provider plugin \"{provider}\" {what}") { Reason = reason };

    /// <summary>Provider text goes into events, logs and metric labels: printable ASCII only, bounded.</summary>
    public static string Sanitize(string text, int maxLength = MaxCodeLength) =>
        new(Http.ErrorText.Bound(text, maxLength, "...").Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}
