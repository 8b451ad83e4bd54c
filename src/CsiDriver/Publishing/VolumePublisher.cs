using CsiDriver.Mounting;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Rotation;
using CsiDriver.Spec;
using CsiDriver.State;

namespace CsiDriver.Publishing;

/// <summary>The outcome of a (re)publish: whether readers saw a change, and the object versions now live.</summary>
/// <param name="Contents">The files now in the volume, for observers that mirror them (Secret sync); in memory only, never logged or persisted.</param>
/// <param name="Skipped">True when a kubelet republish found nothing due and returned without a backend call.</param>
/// <param name="StaleAge">Set when the backend was unreachable and cached objects this old were served (<c>staleIfError</c>).</param>
/// <param name="StaleCause">Why the stale objects were served: the failure's safe message.</param>
public sealed record PublishOutcome(
    WriteOutcome Files, IReadOnlyList<ObjectVersion> Versions, string Provider, IReadOnlyList<SecretFile>? Contents = null, bool Skipped = false, TimeSpan? StaleAge = null, string? StaleCause = null)
{
    public override string ToString() => $"{Files}, {Versions.Count} versions from {Provider}, {Contents?.Count ?? 0} files";
}

/// <summary>
/// The one pipeline publish and rotation share: resolve the class, fetch as the pod, mount a
/// tmpfs if needed, write the files atomically, record the volume. A first publish mounts its empty
/// tmpfs while the fetch is in flight and takes it down again when the fetch or the write fails, so a
/// first publish that fails leaves nothing behind; a later failure keeps the last good set.
/// </summary>
internal sealed class VolumePublisher(
    ISecretProviderClassSource classes,
    ProviderRegistry providers,
    IMounter mounter,
    IAtomicWriter writer,
    IVolumeRegistry registry,
    PublishingOptions options,
    TimeProvider time,
    DriverMetrics metrics,
    PayloadTransformer transformer,
    ILogger<VolumePublisher> logger,
    PublishObservers observers,
    RepublishGate gate,
    StaleObjectCache stale)
{
    private const UnixFileMode TargetMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public async Task<PublishOutcome> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        // A re-publish of a live volume is a reconcile, whoever asked (kubelet's requiresRepublish or our loop):
        // upstream counts those in rotation_reconcile_*, so dashboards see kubelet-driven rotation too.
        var previous = registry.Get(request.VolumeId);
        var reconcile = previous is { Phase: VolumePhase.Published } ? time.GetTimestamp() : (long?)null;
        SecretProviderClass spc;
        PublishOutcome outcome;
        try
        {
            (spc, outcome) = await PublishCoreAsync(request, previous, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex)
        {
            if (reconcile is { } failedStart)
            {
                metrics.Reconciled(ex.Provider ?? string.Empty, time.GetElapsedTime(failedStart), rotated: false, errorType: ex.ErrorType);
            }

            await observers.PublishFailedAsync(request, ex, cancellationToken).ConfigureAwait(false);
            throw;
        }

        if (reconcile is { } started && !outcome.Skipped)
        {
            metrics.Reconciled(outcome.Provider, time.GetElapsedTime(started), rotated: outcome.Files == WriteOutcome.Written);
        }

        await observers.PublishedAsync(request, spc, outcome, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    private async Task<(SecretProviderClass Class, PublishOutcome Outcome)> PublishCoreAsync(PublishRequest request, VolumeRecord? previous, CancellationToken cancellationToken)
    {
        EnsureNoConflict(request, previous);
        var spc = await ResolveClassAsync(request.Pod.Namespace, request.ClassName, request.FetchScope, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(spc.Provider) || spc.Parameters.Count == 0)
        {
            var missing = string.IsNullOrEmpty(spc.Provider) ? "provider" : "parameters";
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {spc.Description}: spec.{missing} is not set");
        }

        var provider = providers.Get(spc.Provider, spc.Description);
        if (previous is { Phase: VolumePhase.Published } &&
            !gate.ShouldFetch(request, previous, spc, time.GetUtcNow()) && IsLive(request.TargetPath))
        {
            // requiresRepublish with nothing due: the tokens were refreshed (an observer keeps them), no backend call.
            return (spc, new PublishOutcome(WriteOutcome.Unchanged, previous.ObjectVersions, spc.Provider) { Skipped = true });
        }

        var providerRequest = new ProviderRequest(
            spc,
            MergeAttributes(spc.Parameters, request.VolumeAttributes),
            request.Pod,
            request.Secrets,
            options.DefaultFileMode,
            previous?.ObjectVersions ?? [],
            request.TargetPath)
        {
            FetchScope = request.FetchScope,
        };

        ProviderResult result;
        StaleResult? served = null;
        SecretStoreException? staleCause = null;
        var started = time.GetTimestamp();
        var fetch = StartFetchAsync(provider, providerRequest, cancellationToken);

        // A fetch waiting on the network leaves time to mount a first publish's tmpfs, off the pod's start; one already
        // done (a configuration error, objects from memory) does not.
        using var early = previous is null && !fetch.IsCompleted ? TryMountEarly(NewRecord(request, spc, previous, [], time.GetUtcNow(), TimeSpan.Zero)) : null;
        try
        {
            result = await fetch.ConfigureAwait(false);
            stale.Remember(providerRequest, result, time.GetUtcNow());
        }
        catch (SecretStoreException ex)
        {
            ex.Provider ??= spc.Provider;

            // A NEW publish while the backend is down: the class may allow objects this identity fetched recently.
            served = previous is null or { Phase: VolumePhase.Mounting } && ex.Kind is FailureKind.Unavailable or FailureKind.Timeout && !cancellationToken.IsCancellationRequested
                ? stale.TryServe(providerRequest, ex, time.GetUtcNow())
                : null;
            if (served is null)
            {
                throw;
            }

            result = served.Result;
            staleCause = ex;
        }
        finally
        {
            metrics.Fetched(spc.Provider, time.GetElapsedTime(started));
        }

        result = transformer.Apply(spc, result);
        CheckPayload(spc, result);
        cancellationToken.ThrowIfCancellationRequested();

        var now = time.GetUtcNow();
        var record = NewRecord(request, spc, previous, result.Versions, now, served?.Age ?? TimeSpan.Zero);
        var outcome = WriteVolume(record, result, early);
        registry.Save(outcome == WriteOutcome.Written ? record with { UpdatedAt = now } : record);

        DriverLog.VolumePublished(logger, request.VolumeId, request.TargetPath, spc.Description, spc.Provider, result.Files.Count, outcome == WriteOutcome.Written ? "written" : "unchanged");
        return (spc, new PublishOutcome(outcome, result.Versions, spc.Provider, result.Files) { StaleAge = served?.Age, StaleCause = staleCause?.Message });
    }

    private static VolumeRecord NewRecord(PublishRequest request, SecretProviderClass spc, VolumeRecord? previous, IReadOnlyList<ObjectVersion> versions, DateTimeOffset now, TimeSpan age) => new()
    {
        VolumeId = request.VolumeId,
        TargetPath = request.TargetPath,
        PodName = request.Pod.Name,
        PodNamespace = request.Pod.Namespace,
        PodUid = request.Pod.Uid,
        ServiceAccountName = request.Pod.ServiceAccountName,
        SecretProviderClass = spc.Name,
        Provider = spc.Provider,
        FsGroup = request.FsGroup,
        VolumeAttributes = request.VolumeAttributes,
        ObjectVersions = versions,
        PublishedAt = previous?.PublishedAt ?? now,
        UpdatedAt = previous?.UpdatedAt ?? now,
        ClassVersion = ClassFingerprint.Of(spc),
        ClassRefresh = spc.Annotations.GetValueOrDefault(SecretProviderClass.RefreshAnnotation),
        FetchedAt = now - age,
    };

    /// <summary>The provider's fetch as a task, started: a provider that throws before its first await fails the task, not this call.</summary>
    private static async Task<ProviderResult> StartFetchAsync(IProvider provider, ProviderRequest request, CancellationToken cancellationToken) =>
        await provider.FetchAsync(request, cancellationToken).ConfigureAwait(false);

    /// <summary>The class, read once per rotation pass when the pass's <paramref name="scope"/> shares its reads.</summary>
    public Task<SecretProviderClass> ResolveClassAsync(string @namespace, string name, IFetchScope? scope, CancellationToken cancellationToken) =>
        scope is not null
            ? scope.GetOrAddAsync(new FetchKey("class", @namespace, name), ct => classes.GetAsync(@namespace, name, ct))
            : classes.GetAsync(@namespace, name, cancellationToken);

    private bool IsLive(string target)
    {
        try
        {
            return mounter.IsMountPoint(target) && writer.HasLiveFiles(target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SecretStoreException)
        {
            return false;
        }
    }

    private void EnsureNoConflict(PublishRequest request, VolumeRecord? existing)
    {
        if (registry.FindByTarget(request.TargetPath) is { } atTarget && atTarget.VolumeId != request.VolumeId)
        {
            throw new SecretStoreException(FailureKind.Conflict, $"target {request.TargetPath} is already used by volume {atTarget.VolumeId}");
        }

        if (existing is not null && existing.TargetPath != request.TargetPath)
        {
            throw new SecretStoreException(FailureKind.Conflict, $"volume {request.VolumeId} is already published at {existing.TargetPath}");
        }
    }

    private void CheckPayload(SecretProviderClass spc, ProviderResult result)
    {
        SecretStoreException TooLarge(string what) => new(FailureKind.TooLarge, $"SecretProviderClass {spc.Description}: {what}");
        if (result.Files.Count > options.MaxVolumeFiles)
        {
            throw TooLarge($"{result.Files.Count} files, over the {options.MaxVolumeFiles}-file volume limit (--max-volume-files)");
        }

        PayloadPath.ValidateAll(result.Files.Select(f => f.Path));
        if (result.Files.FirstOrDefault(f => f.Contents.Length > options.MaxObjectBytes) is { } large)
        {
            throw TooLarge($"object \"{large.Path}\" is {large.Contents.Length} bytes, over the {options.MaxObjectBytes}-byte limit (--max-object-bytes)");
        }

        if (result.Files.Sum(f => (long)f.Contents.Length) is var total && total > options.MaxVolumeBytes)
        {
            throw TooLarge($"objects total {total} bytes, over the {options.MaxVolumeBytes}-byte volume limit (--max-volume-bytes)");
        }
    }

    /// <summary>
    /// Mounts a first publish's empty tmpfs while its fetch is in flight. Only the target itself is created, inside the
    /// folder kubelet made for the volume, so undoing it leaves nothing behind. Null when the target's parent is missing,
    /// the target is already a mount, or anything fails: <see cref="WriteVolume"/> then does the work after the fetch
    /// and reports a failure in the usual order.
    /// </summary>
    private NewMount? TryMountEarly(VolumeRecord record)
    {
        var mount = new NewMount(mounter, registry, logger, record with { Phase = VolumePhase.Mounting }, options.MaxVolumeBytes);
        try
        {
            return mount.TryMount(withParents: false) ? mount : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SecretStoreException)
        {
            mount.Dispose();
            return null;
        }
    }

    /// <param name="early">The tmpfs mounted while the fetch was in flight: from here a failure is undone below, as for a mount made now.</param>
    private WriteOutcome WriteVolume(VolumeRecord record, ProviderResult result, NewMount? early)
    {
        var target = record.TargetPath;
        // Disposed on the way out: what this publish made is taken down unless the write kept it.
        using var mount = early ?? new NewMount(mounter, registry, logger, record, options.MaxVolumeBytes);
        try
        {
            // kubelet (1.20+) does not create the target of a CSI inline volume.
            if (early is null && !mount.TryMount(withParents: true))
            {
                return writer.Write(target, result.Files, options.DefaultFileMode, record.FsGroup);
            }

            writer.WriteNew(target, result.Files, options.DefaultFileMode, record.FsGroup);
            mount.Keep();
            return WriteOutcome.Written;
        }
        catch (Exception ex) when (ex is IOException || (ex is not SecretStoreException && mount.MadeAnything))
        {
            throw new SecretStoreException(FailureKind.Internal, $"cannot prepare {target}: {ex.Message}", ex) { Reason = mount.MadeAnything ? "FailedToMount" : "FailedToEnsureMountPoint" };
        }
    }

    /// <summary>What a first publish made at its target (the directory, the tmpfs): taken down again when disposed before <see cref="Keep"/>.</summary>
    private sealed class NewMount(IMounter mounter, IVolumeRegistry registry, ILogger logger, VolumeRecord record, long sizeBytes) : IDisposable
    {
        private bool _createdDirectory;
        private bool _mounted;
        private bool _settled;

        /// <summary>Whether the target directory or the tmpfs is this publish's doing.</summary>
        public bool MadeAnything => _mounted || _createdDirectory;

        /// <summary>
        /// Creates the target (and, <paramref name="withParents"/>, its missing parents) unless it exists, then saves the
        /// record and mounts the empty tmpfs: a crash between mount and write is found (no live file set) and undone at
        /// start. The mount counts as made once the record is saved, so a failed mount is undone too. False when the target
        /// already is a mount. The record is the volume as mounting while its fetch is in flight; after the fetch it is the
        /// record the publish ends with, so saving it again once the files are written changes only timestamps and writes
        /// no file (one record write per publish).
        /// </summary>
        public bool TryMount(bool withParents)
        {
            var target = record.TargetPath;
            _createdDirectory = withParents ? PosixFiles.EnsureDirectory(target, TargetMode) : PosixFiles.TryCreateDirectory(target, TargetMode, group: null);
            if (!_createdDirectory && mounter.IsMountPoint(target))
            {
                return false;
            }

            registry.Save(record);
            _mounted = true;
            mounter.MountTmpfs(target, new TmpfsOptions(sizeBytes, record.FsGroup));
            return true;
        }

        /// <summary>The files are written: the mount stays.</summary>
        public void Keep() => _settled = true;

        public void Dispose()
        {
            if (_settled)
            {
                return;
            }

            _settled = true;
            try
            {
                if (_mounted)
                {
                    mounter.Unmount(record.TargetPath);
                    registry.Remove(record.VolumeId);
                }

                if (_createdDirectory)
                {
                    PosixFiles.DeleteEmptyDirectory(record.TargetPath);
                }
            }
            catch (Exception ex) when (ex is IOException or SecretStoreException or UnauthorizedAccessException)
            {
                DriverLog.CleanupFailed(logger, record.VolumeId, record.TargetPath, ex.Message);
            }
        }
    }

    /// <summary>Class parameters with every volume attribute over them: the upstream precedence.</summary>
    private static Dictionary<string, string> MergeAttributes(IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> volumeAttributes) =>
        volumeAttributes.Concat(parameters).DistinctBy(p => p.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
}
