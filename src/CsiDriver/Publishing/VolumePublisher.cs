using CsiDriver.Mounting;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Spec;
using CsiDriver.State;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Publishing;

/// <summary>The outcome of a (re)publish: whether readers saw a change, and the object versions now live.</summary>
public sealed record PublishOutcome(WriteOutcome Files, IReadOnlyList<ObjectVersion> Versions, string Provider);

/// <summary>
/// The one pipeline publish and rotation share: resolve the class, fetch as the pod, mount a
/// tmpfs if needed, write the files atomically, record the volume. A fetch happens before any
/// mount, so a first publish that fails leaves nothing behind; a later failure keeps the last good set.
/// </summary>
internal sealed class VolumePublisher
{
    private readonly ISecretProviderClassSource _classes;
    private readonly ProviderRegistry _providers;
    private readonly IMounter _mounter;
    private readonly IAtomicWriter _writer;
    private readonly IVolumeRegistry _registry;
    private readonly PublishingOptions _options;
    private readonly TimeProvider _time;
    private readonly DriverMetrics _metrics;
    private readonly ILogger<VolumePublisher> _logger;
    private readonly PublishObservers _observers;

    public VolumePublisher(
        ISecretProviderClassSource classes,
        ProviderRegistry providers,
        IMounter mounter,
        IAtomicWriter writer,
        IVolumeRegistry registry,
        PublishingOptions options,
        TimeProvider time,
        DriverMetrics metrics,
        ILogger<VolumePublisher> logger,
        PublishObservers? observers = null)
    {
        _observers = observers ?? PublishObservers.None;
        _classes = classes;
        _providers = providers;
        _mounter = mounter;
        _writer = writer;
        _registry = registry;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task<PublishOutcome> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        SecretProviderClass spc;
        PublishOutcome outcome;
        try
        {
            (spc, outcome) = await PublishCoreAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex)
        {
            await _observers.PublishFailedAsync(request, ex, cancellationToken).ConfigureAwait(false);
            throw;
        }

        await _observers.PublishedAsync(request, spc, outcome, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    private async Task<(SecretProviderClass Class, PublishOutcome Outcome)> PublishCoreAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        EnsureNoConflict(request);
        var spc = await _classes.GetAsync(request.Pod.Namespace, request.ClassName, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(spc.Provider))
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {spc.Description}: spec.provider is not set");
        }

        if (spc.Parameters.Count == 0)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {spc.Description}: spec.parameters is not set");
        }

        var provider = _providers.Get(spc.Provider, spc.Description);
        var previous = _registry.Get(request.VolumeId);
        var providerRequest = new ProviderRequest(
            spc,
            MergeAttributes(spc.Parameters, request.VolumeAttributes),
            request.Pod,
            request.Secrets,
            _options.DefaultFileMode,
            previous?.ObjectVersions ?? [],
            request.TargetPath);

        ProviderResult result;
        var started = _time.GetTimestamp();
        try
        {
            result = await provider.FetchAsync(providerRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex)
        {
            ex.Provider ??= spc.Provider;
            throw;
        }
        finally
        {
            _metrics.Fetched(spc.Provider, _time.GetElapsedTime(started));
        }

        CheckPayload(spc, result);
        cancellationToken.ThrowIfCancellationRequested();

        var now = _time.GetUtcNow();
        var record = new VolumeRecord
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
            ObjectVersions = result.Versions,
            PublishedAt = previous?.PublishedAt ?? now,
            UpdatedAt = previous?.UpdatedAt ?? now,
        };

        var outcome = WriteVolume(record, result);
        _registry.Save(outcome == WriteOutcome.Written ? record with { UpdatedAt = now } : record);

        DriverLog.VolumePublished(_logger, request.VolumeId, request.TargetPath, spc.Description, spc.Provider, result.Files.Count, outcome == WriteOutcome.Written ? "written" : "unchanged");
        return (spc, new PublishOutcome(outcome, result.Versions, spc.Provider));
    }

    private void EnsureNoConflict(PublishRequest request)
    {
        var atTarget = _registry.FindByTarget(request.TargetPath);
        if (atTarget is not null && atTarget.VolumeId != request.VolumeId)
        {
            throw new SecretStoreException(FailureKind.Conflict, $"target {request.TargetPath} is already used by volume {atTarget.VolumeId}");
        }

        var existing = _registry.Get(request.VolumeId);
        if (existing is not null && existing.TargetPath != request.TargetPath)
        {
            throw new SecretStoreException(FailureKind.Conflict, $"volume {request.VolumeId} is already published at {existing.TargetPath}");
        }
    }

    private void CheckPayload(SecretProviderClass spc, ProviderResult result)
    {
        if (result.Files.Count > _options.MaxVolumeFiles)
        {
            throw new SecretStoreException(
                FailureKind.TooLarge,
                $"SecretProviderClass {spc.Description}: {result.Files.Count} files, over the {_options.MaxVolumeFiles}-file volume limit (--max-volume-files)");
        }

        PayloadPath.ValidateAll(result.Files.Select(f => f.Path));
        long total = 0;
        foreach (var file in result.Files)
        {
            if (file.Contents.Length > _options.MaxObjectBytes)
            {
                throw new SecretStoreException(
                    FailureKind.TooLarge,
                    $"SecretProviderClass {spc.Description}: object \"{file.Path}\" is {file.Contents.Length} bytes, over the {_options.MaxObjectBytes}-byte limit (--max-object-bytes)");
            }

            total += file.Contents.Length;
        }

        if (total > _options.MaxVolumeBytes)
        {
            throw new SecretStoreException(
                FailureKind.TooLarge,
                $"SecretProviderClass {spc.Description}: objects total {total} bytes, over the {_options.MaxVolumeBytes}-byte volume limit (--max-volume-bytes)");
        }
    }

    private WriteOutcome WriteVolume(VolumeRecord record, ProviderResult result)
    {
        var target = record.TargetPath;
        var createdDirectory = false;
        var mountedNow = false;
        try
        {
            if (!Directory.Exists(target))
            {
                // kubelet (1.20+) does not create the target of a CSI inline volume.
                Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
                createdDirectory = true;
            }

            if (!_mounter.IsMountPoint(target))
            {
                // Recorded before mounting, so a crash between mount and write is found and undone at start.
                _registry.Save(record with { Phase = VolumePhase.Mounting, ObjectVersions = [] });
                mountedNow = true;
                _mounter.MountTmpfs(target, new TmpfsOptions(_options.MaxVolumeBytes, record.FsGroup));
            }

            return _writer.Write(target, result.Files, _options.DefaultFileMode, record.FsGroup);
        }
        catch (Exception ex) when (mountedNow || createdDirectory)
        {
            Cleanup(record, mountedNow, createdDirectory);
            if (ex is SecretStoreException)
            {
                throw;
            }

            throw new SecretStoreException(FailureKind.Internal, $"cannot prepare {target}: {ex.Message}", ex) { Reason = "FailedToMount" };
        }
        catch (IOException ex)
        {
            throw new SecretStoreException(FailureKind.Internal, $"cannot prepare {target}: {ex.Message}", ex) { Reason = "FailedToEnsureMountPoint" };
        }
    }

    private void Cleanup(VolumeRecord record, bool unmount, bool removeDirectory)
    {
        try
        {
            if (unmount)
            {
                _mounter.Unmount(record.TargetPath);
                _registry.Remove(record.VolumeId);
            }

            if (removeDirectory)
            {
                Directory.Delete(record.TargetPath, recursive: false);
            }
        }
        catch (Exception ex) when (ex is IOException or SecretStoreException or UnauthorizedAccessException)
        {
            DriverLog.CleanupFailed(_logger, record.VolumeId, record.TargetPath, ex.Message);
        }
    }

    /// <summary>Class parameters, then every volume attribute over them: the upstream precedence.</summary>
    private static Dictionary<string, string> MergeAttributes(IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> volumeAttributes)
    {
        var merged = new Dictionary<string, string>(parameters, StringComparer.Ordinal);
        foreach (var (key, value) in volumeAttributes)
        {
            merged[key] = value;
        }

        return merged;
    }
}
