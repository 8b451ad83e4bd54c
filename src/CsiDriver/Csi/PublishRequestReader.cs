using CsiDriver.Protos.Csi.V1;
using CsiDriver.Publishing;

namespace CsiDriver.Csi;

/// <summary>
/// Checks a NodePublishVolume request in the order upstream does (capability, volume id, target,
/// attributes) and turns it into a <see cref="PublishRequest"/>. Everything is checked before
/// anything on the node is touched.
/// </summary>
internal static class PublishRequestReader
{
    public const string ClassAttribute = "secretProviderClass";
    public const string PodNameAttribute = "csi.storage.k8s.io/pod.name";
    public const string PodNamespaceAttribute = "csi.storage.k8s.io/pod.namespace";
    public const string PodUidAttribute = "csi.storage.k8s.io/pod.uid";
    public const string ServiceAccountAttribute = "csi.storage.k8s.io/serviceAccount.name";

    public static PublishRequest Read(NodePublishVolumeRequest request)
    {
        if (request.VolumeCapability is null)
        {
            throw CsiStatus.InvalidArgument("Volume capability missing in request");
        }

        CheckVolumeAndTarget(request.VolumeId, request.TargetPath);
        if (request.VolumeContext.Count == 0)
        {
            throw CsiStatus.InvalidArgument("Volume attributes missing in request");
        }

        if (request.VolumeCapability.AccessTypeCase != VolumeCapability.AccessTypeOneofCase.Mount)
        {
            throw CsiStatus.InvalidArgument("only the mount access type is supported; block volumes cannot hold secret files");
        }

        if (!request.Readonly)
        {
            throw CsiStatus.InvalidArgument("Readonly is not true in request: declare the volume with readOnly: true");
        }

        var context = request.VolumeContext;
        var className = context.GetValueOrDefault(ClassAttribute) ?? string.Empty;
        if (className.Length == 0)
        {
            throw CsiStatus.InvalidArgument($"volume attribute '{ClassAttribute}' is not set: name the SecretProviderClass in the pod's volumeAttributes");
        }

        var podNamespace = context.GetValueOrDefault(PodNamespaceAttribute) ?? string.Empty;
        if (podNamespace.Length == 0)
        {
            throw CsiStatus.InvalidArgument($"volume attribute '{PodNamespaceAttribute}' is missing: the CSIDriver object must set podInfoOnMount: true");
        }

        ServiceAccountTokens tokens;
        try
        {
            // kubelet 1.35+ may carry the tokens in secrets (serviceAccountTokenInSecrets); prefer that.
            tokens = ServiceAccountTokens.Parse(
                request.Secrets.GetValueOrDefault(ServiceAccountTokens.AttributeKey) ?? context.GetValueOrDefault(ServiceAccountTokens.AttributeKey));
        }
        catch (SecretStoreException ex)
        {
            throw CsiStatus.InvalidArgument(ex.Message);
        }

        var pod = new PodIdentity(
            context.GetValueOrDefault(PodNameAttribute) ?? string.Empty,
            podNamespace,
            context.GetValueOrDefault(PodUidAttribute) ?? string.Empty,
            context.GetValueOrDefault(ServiceAccountAttribute) ?? string.Empty,
            tokens);

        return new PublishRequest(
            request.VolumeId, request.TargetPath, className, pod, WithoutTokens(context), WithoutTokens(request.Secrets), ReadFsGroup(request.VolumeCapability.Mount));
    }

    // The tokens travel in PodIdentity only, so nothing that keeps or logs the maps can hold one.
    private static Dictionary<string, string> WithoutTokens(IEnumerable<KeyValuePair<string, string>> entries) =>
        entries.Where(e => e.Key != ServiceAccountTokens.AttributeKey).ToDictionary(StringComparer.Ordinal);

    public static void CheckVolumeAndTarget(string volumeId, string targetPath)
    {
        if (string.IsNullOrEmpty(volumeId))
        {
            throw CsiStatus.InvalidArgument("Volume ID missing in request");
        }

        if (string.IsNullOrEmpty(targetPath))
        {
            throw CsiStatus.InvalidArgument("Target path missing in request");
        }

        if (!Path.IsPathFullyQualified(targetPath) || targetPath.Contains('\0', StringComparison.Ordinal) ||
            targetPath.Split('/').Any(e => e is ".." or "."))
        {
            throw CsiStatus.InvalidArgument("Target path must be an absolute, clean path");
        }
    }

    private static int? ReadFsGroup(VolumeCapability.Types.MountVolume mount)
    {
        var group = mount.VolumeMountGroup;
        if (string.IsNullOrEmpty(group))
        {
            return null;
        }

        if (!int.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var gid) || gid < 0)
        {
            throw CsiStatus.InvalidArgument($"volume_mount_group '{group}' is not a numeric group id");
        }

        return gid;
    }
}
