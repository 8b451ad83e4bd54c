namespace CsiDriver.Publishing;

/// <summary>Limits and defaults of the publish pipeline.</summary>
public sealed class PublishingOptions
{
    /// <summary>Mode of files whose object does not set one (0644, as upstream).</summary>
    public UnixFileMode DefaultFileMode { get; set; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Largest single object accepted from any provider.</summary>
    public long MaxObjectBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most files in one volume: bytes alone do not bound a class of thousands of empty objects.</summary>
    public int MaxVolumeFiles { get; set; } = 4096;

    /// <summary>Largest volume (sum of its files); also the tmpfs size.</summary>
    public long MaxVolumeBytes { get; set; } = 16 * 1024 * 1024;
}
