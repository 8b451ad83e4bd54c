namespace CsiDriver.Publishing;

/// <summary>A validated request to (re)publish one volume, whoever asked: kubelet or rotation.</summary>
public sealed record PublishRequest(
    string VolumeId,
    string TargetPath,
    string ClassName,
    PodIdentity Pod,
    IReadOnlyDictionary<string, string> VolumeAttributes,
    IReadOnlyDictionary<string, string> Secrets,
    int? FsGroup)
{
    public override string ToString() => $"publish {VolumeId} at {TargetPath} ({Pod.Namespace}/{ClassName})";
}
