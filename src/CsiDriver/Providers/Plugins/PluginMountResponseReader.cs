using CsiDriver.Protos.Provider.V1Alpha1;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Plugins;

/// <summary>
/// Turns a v1alpha1 MountResponse into files and versions, with upstream's checks: a non-empty
/// <c>error.code</c> fails the mount, and a response without any object version is an error.
/// </summary>
internal static class PluginMountResponseReader
{
    private const int MaxCodeLength = 100;

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
