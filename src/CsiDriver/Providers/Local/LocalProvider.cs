using System.Security.Cryptography;
using CsiDriver.Kubernetes;
using CsiDriver.Mounting;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Local;

/// <summary>
/// Objects read from files under an operator-chosen root, for demos, tests and air-gapped
/// nodes. Parameters: <c>objects</c>, a YAML list of <c>{objectName, objectAlias?, filePermission?}</c>
/// where objectName is a path under the root. Anything that resolves outside the root, through
/// <c>..</c> or a symlink, is refused. By default the root is split by namespace: a pod reads only under
/// <c>&lt;root&gt;/&lt;pod namespace&gt;/</c>. Version = a keyed HMAC of the content.
/// In a rotation pass, a file several volumes read is read once (<see cref="IFetchScope"/>; the store has no
/// identities, so the key is the resolved path). Each read counts as backend call <c>read</c>.
/// </summary>
internal sealed class LocalProvider(LocalProviderOptions options, Observability.DriverMetrics metrics) : IProvider
{
    private readonly LocalProviderOptions _options = options;
    private readonly Observability.DriverMetrics _metrics = metrics;

    public string Name => "local";

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var root = _options.Root is { } configured ? Libc.RealPath(configured) : null;
        if (root is null)
        {
            throw new SecretStoreException(
                FailureKind.InvalidConfiguration,
                $"SecretProviderClass {request.Class.Description}: the local provider is not enabled on this node (start the driver with --local-store-root)");
        }

        root = ScopeFor(request, root);
        var objects = ProviderParameters.ParseList(request, "objects", ObjectEntryJsonContext.Default.ListObjectEntry);
        var files = new List<SecretFile>(objects.Count);
        var versions = new List<ObjectVersion>(objects.Count);
        foreach (var item in objects)
        {
            var name = item.ObjectName ?? string.Empty;
            var contents = await ReadObjectAsync(request, root, name, cancellationToken).ConfigureAwait(false);
            var mode = ProviderParameters.ParseFileMode(item.FilePermission, request, name);
            files.Add(new SecretFile(string.IsNullOrEmpty(item.ObjectAlias) ? name : item.ObjectAlias, contents, mode));
            versions.Add(new ObjectVersion(name, "hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(_options.VersionKey, contents))[..32]));
        }

        return new ProviderResult(files, versions);
    }

    /// <summary>The folder this pod may read: its namespace's folder, or the whole root when not split by namespace.</summary>
    private string ScopeFor(ProviderRequest request, string root)
    {
        if (!_options.PerNamespace)
        {
            return root;
        }

        var ns = request.Pod.Namespace;
        if (!KubernetesNames.IsValid(ns) || ns.Contains('.', StringComparison.Ordinal))
        {
            throw new SecretStoreException(
                FailureKind.InvalidConfiguration,
                $"SecretProviderClass {request.Class.Description}: pod namespace \"{ns}\" is not a valid namespace name");
        }

        // The namespace folder may itself be a link the operator placed; what counts is where it leads.
        // root is already real and ns is one plain segment, so only ns itself can be a link: resolve it only then.
        var folder = Path.Combine(root, ns);
        return (new FileInfo(folder).LinkTarget is null ? folder : Libc.RealPath(folder)) is { } scoped && Directory.Exists(scoped)
            ? scoped
            : throw new SecretStoreException(
                FailureKind.NotFound,
                $"SecretProviderClass {request.Class.Description}: the local store has no folder for namespace {ns} (objects for pods in {ns} live under <--local-store-root>/{ns}/)");
    }

    /// <summary>
    /// The common case in one open: the file is opened by name and the kernel's real path of the opened file is
    /// checked against the root. Anything else (missing, not a file, outside the root) takes <see cref="Resolve"/>,
    /// which names the failure.
    /// </summary>
    private async Task<byte[]> ReadObjectAsync(ProviderRequest request, string root, string objectName, CancellationToken cancellationToken)
    {
        var lexical = Lexical(request, root, objectName);
        using var file = IsUnder(lexical, root) ? OpenedFile.TryOpen(lexical) : null;
        if (file is null || !IsUnder(file.RealPath, root))
        {
            return await ReadAsync(request, Resolve(request, root, objectName), objectName, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return request.FetchScope is { } scope
                ? await scope.GetOrAddAsync(new FetchKey(Name, string.Empty, file.RealPath), _ => Task.FromResult(ReadOpened(file))).ConfigureAwait(false)
                : ReadOpened(file);
        }
        catch (ObjectTooLargeException ex)
        {
            throw TooLarge(request, objectName, ex.Length);
        }
    }

    private byte[] ReadOpened(OpenedFile file)
    {
        _metrics?.BackendCall(Name, "read");
        return file.TryReadAll(_options.MaxObjectBytes, out var contents) ? contents : throw new ObjectTooLargeException(file.Length);
    }

    private static string Lexical(ProviderRequest request, string root, string objectName)
    {
        if (objectName.Length == 0 || Path.IsPathRooted(objectName) || objectName.Contains('\0', StringComparison.Ordinal))
        {
            throw new SecretStoreException(
                FailureKind.InvalidConfiguration,
                $"SecretProviderClass {request.Class.Description}: local objectName \"{objectName}\" must be a non-empty relative path");
        }

        return Path.GetFullPath(Path.Combine(root, objectName));
    }

    private static string Resolve(ProviderRequest request, string root, string objectName)
    {
        var lexical = Lexical(request, root, objectName);
        var resolved = Libc.RealPath(lexical);
        if (!IsUnder(lexical, root) || (resolved is not null && !IsUnder(resolved, root)))
        {
            throw new SecretStoreException(
                FailureKind.PermissionDenied,
                $"SecretProviderClass {request.Class.Description}: local object \"{objectName}\" resolves outside the local store root");
        }

        if (resolved is null || !File.Exists(resolved))
        {
            throw new SecretStoreException(
                FailureKind.NotFound,
                $"SecretProviderClass {request.Class.Description}: local object \"{objectName}\" not found");
        }

        return resolved;
    }

    private async Task<byte[]> ReadAsync(ProviderRequest request, string path, string objectName, CancellationToken cancellationToken)
    {
        try
        {
            return request.FetchScope is { } scope
                ? await scope.GetOrAddAsync(new FetchKey(Name, string.Empty, path), ct => ReadBoundedAsync(path, ct)).ConfigureAwait(false)
                : await ReadBoundedAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectTooLargeException ex)
        {
            // Built here, not in the shared read, so each volume's message names its own class.
            throw TooLarge(request, objectName, ex.Length);
        }
        catch (FileNotFoundException)
        {
            throw new SecretStoreException(FailureKind.NotFound, $"SecretProviderClass {request.Class.Description}: local object \"{objectName}\" not found");
        }
    }

    private async Task<byte[]> ReadBoundedAsync(string path, CancellationToken cancellationToken)
    {
        _metrics.BackendCall(Name, "read");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, useAsync: false);
        await using (stream.ConfigureAwait(false))
        {
            // The length is checked on the open handle, so a file swapped after the check cannot slip through.
            if (stream.Length > _options.MaxObjectBytes)
            {
                throw new ObjectTooLargeException(stream.Length);
            }

            var buffer = new byte[stream.Length];
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (stream.ReadByte() >= 0)
            {
                throw new ObjectTooLargeException(stream.Length);
            }

            return buffer;
        }
    }

    private SecretStoreException TooLarge(ProviderRequest request, string objectName, long length) =>
        new(FailureKind.TooLarge, $"SecretProviderClass {request.Class.Description}: local object \"{objectName}\" is {length} bytes, over the {_options.MaxObjectBytes}-byte limit (--max-object-bytes)");

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>A read over the size limit, before the requesting class is known.</summary>
    private sealed class ObjectTooLargeException(long length) : Exception($"{length} bytes")
    {
        public long Length { get; } = length;
    }
}
