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
    /// <summary>Who asked: kubelet (publish or requiresRepublish) or the rotation loop.</summary>
    public PublishTrigger Trigger { get; init; } = PublishTrigger.Kubelet;

    /// <summary>Reads shared with other volumes of the same rotation pass; null outside a pass.</summary>
    public Providers.IFetchScope? FetchScope { get; init; }

    public override string ToString() => $"publish {VolumeId} at {TargetPath} ({Pod.Namespace}/{ClassName})";
}

/// <summary>Who asked for a (re)publish.</summary>
public enum PublishTrigger
{
    /// <summary>NodePublishVolume: a first publish or kubelet's periodic republish.</summary>
    Kubelet,

    /// <summary>The rotation loop (<c>--enable-secret-rotation</c>).</summary>
    Rotation,
}
