using CsiDriver.Mounting;
using CsiDriver.Publishing;
using YamlDotNet.Core;

namespace CsiDriver.Spec;

/// <summary>
/// SecretProviderClasses read from YAML manifests in a folder (<c>--spc-dir</c>), the embedded
/// default that needs no cluster. Files are re-read only when their size or mtime changes.
/// </summary>
internal sealed class DirectorySecretProviderClassSource(string directory) : ISecretProviderClassSource
{
    private const long MaxManifestBytes = 1024 * 1024;
    private readonly ConcurrentDictionary<string, CachedFile> _files = new(StringComparer.Ordinal);
    private volatile Listing? _listing;

    public Task<SecretProviderClass> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        // When several manifests define the class, the last one read wins.
        var found = Manifests(@namespace, name)
            .SelectMany(path =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return Load(path);
            })
            .LastOrDefault(spc => spc.Namespace == @namespace && spc.Name == name);
        return found is null
            ? throw new SecretStoreException(FailureKind.NotFound, $"SecretProviderClass {@namespace}/{name} not found in {directory}") { Reason = "SecretProviderClassNotFound" }
            : Task.FromResult(found);
    }

    /// <summary>
    /// The manifest files, listed again only when the folder changed: its inode and mtime tell, except in the
    /// coarse-clock tick right after a change, so a listing is kept only once the folder has been quiet for a second.
    /// </summary>
    private IReadOnlyList<string> Manifests(string @namespace, string name)
    {
        if (Libc.Statx(Libc.AT_FDCWD, directory, 0, Libc.STATX_TYPE | Libc.STATX_MTIME | Libc.STATX_INO, out var stat) != 0 ||
            (stat.Mode & Libc.S_IFMT) != Libc.S_IFDIR)
        {
            throw new SecretStoreException(FailureKind.NotFound, $"SecretProviderClass {@namespace}/{name} not found: the class folder {directory} does not exist");
        }

        var modified = stat.Mtime.ToDateTimeOffset();
        if (_listing is { } cached && cached.Inode == stat.Ino && cached.Modified == modified)
        {
            return cached.Paths;
        }

        var paths = Directory.EnumerateFiles(directory)
            .Where(p => p.EndsWith(".yaml", StringComparison.Ordinal) || p.EndsWith(".yml", StringComparison.Ordinal))
            .ToArray();

        // Compared with the kernel's file timestamps, so the real clock, never a test's.
        _listing = TimeProvider.System.GetUtcNow() - modified > TimeSpan.FromSeconds(1) ? new Listing(stat.Ino, modified, paths) : null;
        return paths;
    }

    private IReadOnlyList<SecretProviderClass> Load(string path)
    {
        // One statx for size and mtime (FileInfo makes three calls for the same answer); a file gone since the listing
        // gets FileInfo's usual exception.
        var (length, modified) = Libc.Statx(Libc.AT_FDCWD, path, 0, Libc.STATX_SIZE | Libc.STATX_MTIME, out var stat) == 0
            ? ((long)stat.Size, stat.Mtime.ToDateTimeOffset())
            : (new FileInfo(path).Length, new DateTimeOffset(File.GetLastWriteTimeUtc(path)));

        if (_files.TryGetValue(path, out var cached) && cached.Length == length && cached.LastWrite == modified)
        {
            return cached.Classes;
        }

        if (length > MaxManifestBytes)
        {
            throw new SecretStoreException(FailureKind.TooLarge, $"manifest {path} is {length} bytes, over the {MaxManifestBytes}-byte limit");
        }

        var classes = Parse(path);
        _files[path] = new CachedFile(length, modified, classes);
        return classes;
    }

    private static List<SecretProviderClass> Parse(string path)
    {
        try
        {
            using var reader = File.OpenText(path);
            return YamlDocuments.Read(reader)
                .Where(node => node is not null
                    && SecretProviderClassDocument.IsSecretProviderClass(node["apiVersion"]?.GetValue<string>(), node["kind"]?.GetValue<string>()))
                .Select(node => node.Deserialize(SpecJsonContext.Default.SecretProviderClassDocument)!.ToModel(path))
                .ToList();
        }
        catch (Exception ex) when (ex is YamlException or JsonException or InvalidOperationException)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"manifest {path} is not valid: {ex.Message}");
        }
    }

    private sealed record Listing(ulong Inode, DateTimeOffset Modified, string[] Paths);

    private sealed record CachedFile(long Length, DateTimeOffset LastWrite, IReadOnlyList<SecretProviderClass> Classes);
}
