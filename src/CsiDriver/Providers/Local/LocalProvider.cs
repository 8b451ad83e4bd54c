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
/// identities, so the key is the file's device and inode). Each read counts as backend call <c>read</c>.
/// </summary>
/// <remarks>
/// The root is opened once, at the first fetch, and each object is opened relative to the pod's folder with
/// openat2(RESOLVE_BENEATH): one open, checked by the kernel, instead of resolving the root and each object name
/// on every publish. The namespace folder is opened on every fetch, so folders added, removed or relinked take
/// effect at once; the root itself is fixed for the life of the driver. Whatever that fast path does not read
/// (a missing object, a link that leaves the folder, an absolute link that stays in it, a kernel without openat2)
/// takes the path-based route, which reads what is allowed and names the failure otherwise.
/// </remarks>
internal sealed class LocalProvider(LocalProviderOptions options, Observability.DriverMetrics metrics) : IProvider, IDisposable
{
    private DirectoryHandle? _root;
    private volatile bool _noOpenat2;

    public string Name => "local";

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        if (options.Root is null)
        {
            throw NotEnabled(request);
        }

        var scope = OpenScope(request);

        // A namespace folder is opened for this fetch alone; the root is shared.
        using var owned = options.PerNamespace ? scope : null;

        // Without a folder handle everything goes by path; resolving it now fails as early as it always did.
        var scopePath = scope is null ? ScopeFor(request) : null;
        var objects = ProviderParameters.ParseList(request, "objects", ObjectEntryJsonContext.Default.ListObjectEntry);
        var files = new List<SecretFile>(objects.Count);
        var versions = new List<ObjectVersion>(objects.Count);
        foreach (var item in objects)
        {
            var name = item.ObjectName ?? string.Empty;
            CheckName(request, name);
            var contents = await ReadObjectAsync(request, scope, () => scopePath ??= ScopeFor(request), name, cancellationToken).ConfigureAwait(false);
            var mode = ProviderParameters.ParseFileMode(item.FilePermission, request, name);
            files.Add(new SecretFile(string.IsNullOrEmpty(item.ObjectAlias) ? name : item.ObjectAlias, contents, mode));
            versions.Add(new ObjectVersion(name, "hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(options.VersionKey, contents))[..32]));
        }

        return new ProviderResult(files, versions);
    }

    public void Dispose() => _root?.Dispose();

    /// <summary>
    /// The folder this pod may read, open: its namespace's folder (opened for this fetch), else the shared root; null
    /// when it cannot be opened (the path-based route then says why).
    /// </summary>
    private DirectoryHandle? OpenScope(ProviderRequest request)
    {
        if (!options.PerNamespace)
        {
            return Root();
        }

        CheckNamespace(request);

        // The namespace folder may itself be a link the operator placed; what counts is where it leads.
        return Root() is { } root ? DirectoryHandle.TryOpen(root, request.Pod.Namespace, out _) : null;
    }

    private DirectoryHandle? Root()
    {
        if (Volatile.Read(ref _root) is { } root)
        {
            return root;
        }

        if (DirectoryHandle.TryOpen(options.Root!, out _) is not { } opened)
        {
            return null;
        }

        if (Interlocked.CompareExchange(ref _root, opened, null) is { } first)
        {
            opened.Dispose();
            return first;
        }

        return opened;
    }

    /// <summary>The real path of the folder this pod may read: its namespace's folder, or the whole root when not split by namespace.</summary>
    private string ScopeFor(ProviderRequest request)
    {
        var root = Libc.RealPath(options.Root!) ?? throw NotEnabled(request);
        if (!options.PerNamespace)
        {
            return root;
        }

        CheckNamespace(request);
        var ns = request.Pod.Namespace;

        // root is already real and ns is one plain segment, so only ns itself can be a link: resolve it only then.
        var folder = Path.Combine(root, ns);
        return (new FileInfo(folder).LinkTarget is null ? folder : Libc.RealPath(folder)) is { } scoped && Directory.Exists(scoped)
            ? scoped
            : throw new SecretStoreException(
                FailureKind.NotFound,
                $"SecretProviderClass {request.Class.Description}: the local store has no folder for namespace {ns} (objects for pods in {ns} live under <--local-store-root>/{ns}/)");
    }

    private static void CheckNamespace(ProviderRequest request)
    {
        var ns = request.Pod.Namespace;
        if (!KubernetesNames.IsValid(ns) || ns.Contains('.', StringComparison.Ordinal))
        {
            throw ProviderParameters.Invalid(request.Class.Description, $"pod namespace \"{ns}\" is not a valid namespace name");
        }
    }

    private static SecretStoreException NotEnabled(ProviderRequest request) =>
        ProviderParameters.Invalid(request.Class.Description, "the local provider is not enabled on this node (start the driver with --local-store-root)");

    /// <summary>
    /// One open beneath the pod's folder in the common case. Anything else takes the path-based route: the file opened
    /// by name and the kernel's real path of the opened file checked against the folder, else <see cref="Resolve"/>,
    /// which names the failure or gives the real path to open. Either way only a regular file is opened, so a name
    /// that is (or became) a FIFO or a device is refused, never opened.
    /// </summary>
    private async Task<byte[]> ReadObjectAsync(ProviderRequest request, DirectoryHandle? scope, Func<string> scopePath, string objectName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (scope is not null && !_noOpenat2)
        {
            using var beneath = OpenedFile.TryOpenBeneath(scope, objectName, out var errno);
            if (beneath is not null)
            {
                return await ReadSharedAsync(request, beneath, objectName).ConfigureAwait(false);
            }

            // ENOSYS: a kernel before 5.6; EPERM: a seccomp profile that does not know openat2. Paths from now on.
            _noOpenat2 |= errno is Libc.ENOSYS or Libc.EPERM;
        }

        var root = scopePath();
        var lexical = Lexical(root, objectName);
        var byName = IsUnder(lexical, root) ? OpenedFile.TryOpen(lexical) : null;
        if (byName is not null && !IsUnder(byName.RealPath!, root))
        {
            byName.Dispose();
            byName = null;
        }

        using var file = byName ?? OpenedFile.TryOpen(Resolve(request, root, objectName)) ?? throw NotFound(request, objectName);
        return await ReadSharedAsync(request, file, objectName).ConfigureAwait(false);
    }

    /// <summary>An opened file's contents; in a rotation pass read once for every volume naming the same file.</summary>
    private async Task<byte[]> ReadSharedAsync(ProviderRequest request, OpenedFile file, string objectName)
    {
        try
        {
            return request.FetchScope is { } scope
                ? await scope.GetOrAddAsync(new FetchKey(Name, string.Empty, file.Identity), _ => Task.FromResult(ReadOpened(file, objectName))).ConfigureAwait(false)
                : ReadOpened(file, objectName);
        }
        catch (ObjectTooLargeException ex)
        {
            // Built here, not in the shared read, so each volume's message names its own class.
            throw TooLarge(request, objectName, ex.Length);
        }
    }

    private byte[] ReadOpened(OpenedFile file, string objectName)
    {
        metrics.BackendCall(Name, "read");
        return file.TryReadAll(options.MaxObjectBytes, out var contents) ? contents : throw new ObjectTooLargeException(objectName, file.Length);
    }

    private static void CheckName(ProviderRequest request, string objectName)
    {
        if (objectName.Length == 0 || Path.IsPathRooted(objectName) || objectName.Contains('\0', StringComparison.Ordinal))
        {
            throw ProviderParameters.Invalid(request.Class.Description, $"local objectName \"{objectName}\" must be a non-empty relative path");
        }
    }

    private static string Lexical(string root, string objectName) => Path.GetFullPath(Path.Combine(root, objectName));

    private static string Resolve(ProviderRequest request, string root, string objectName)
    {
        var lexical = Lexical(root, objectName);
        var resolved = Libc.RealPath(lexical);
        if (!IsUnder(lexical, root) || (resolved is not null && !IsUnder(resolved, root)))
        {
            throw new SecretStoreException(
                FailureKind.PermissionDenied,
                $"SecretProviderClass {request.Class.Description}: local object \"{objectName}\" resolves outside the local store root");
        }

        return resolved is not null && File.Exists(resolved) ? resolved : throw NotFound(request, objectName);
    }

    private static SecretStoreException NotFound(ProviderRequest request, string objectName) =>
        new(FailureKind.NotFound, $"SecretProviderClass {request.Class.Description}: local object \"{objectName}\" not found");

    private SecretStoreException TooLarge(ProviderRequest request, string objectName, long length) =>
        new(FailureKind.TooLarge, $"SecretProviderClass {request.Class.Description}: local object \"{objectName}\" is {length} bytes, over the {options.MaxObjectBytes}-byte limit (--max-object-bytes)");

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);
}
