using CsiDriver.Publishing;
using CsiDriver.Spec;

namespace CsiDriver.Providers;

/// <summary>A secret store the driver can read from on a pod's behalf.</summary>
public interface IProvider
{
    /// <summary>The <c>spec.provider</c> value that selects this provider.</summary>
    string Name { get; }

    /// <summary>Fetches every object the class names, all or nothing.</summary>
    /// <exception cref="SecretStoreException">Any failure, with a message fit for a pod event.</exception>
    Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken);
}

/// <summary>Everything a provider gets to fetch one volume's objects: data only, no CSI, no mounting.</summary>
public sealed record ProviderRequest(
    SecretProviderClass Class,
    IReadOnlyDictionary<string, string> Attributes,
    PodIdentity Pod,
    IReadOnlyDictionary<string, string> Secrets,
    UnixFileMode DefaultFileMode,
    IReadOnlyList<ObjectVersion> CurrentVersions,
    string TargetPath)
{
    /// <summary>The rotation pass's shared reads, or null outside a pass (see <see cref="IFetchScope"/>).</summary>
    public IFetchScope? FetchScope { get; init; }

    public override string ToString() => $"fetch for {Class.Namespace}/{Class.Name} (pod {Pod.Namespace}/{Pod.Name})";
}

/// <summary>What a provider returns: the files to write and each object's version.</summary>
public sealed record ProviderResult(IReadOnlyList<SecretFile> Files, IReadOnlyList<ObjectVersion> Versions);

/// <summary>The version of one object, as recorded in state and pod status (never a value).</summary>
public sealed record ObjectVersion(string Id, string Version);

/// <summary>One file to write into the volume. <see cref="ToString"/> never shows the contents.</summary>
/// <param name="Path">Relative path inside the volume; checked by the writer before anything is written.</param>
/// <param name="Mode">The object's own mode, or null for the volume default.</param>
public sealed record SecretFile(string Path, ReadOnlyMemory<byte> Contents, UnixFileMode? Mode = null)
{
    public override string ToString() => $"{Path} ({Contents.Length} bytes)";
}

/// <summary>
/// A read over the size limit, raw (no class named, so a rotation pass can share it); the provider reports it as
/// TooLarge in its own words, and never retries it elsewhere (another region, another route).
/// </summary>
internal sealed class ObjectTooLargeException(string objectName, long length) : Exception($"object {objectName} is {length} bytes")
{
    public string ObjectName { get; } = objectName;

    public long Length { get; } = length;
}
