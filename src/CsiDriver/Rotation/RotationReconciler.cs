using CsiDriver.Mounting;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;
using Microsoft.Extensions.Hosting;

namespace CsiDriver.Rotation;

/// <summary>What one rotation pass did (counts only).</summary>
public sealed record RotationPassResult(int Volumes, int Fetched, int Rotated, int Failed, int Skipped, int NotDue, long BackendReads, long SharedReads, TimeSpan Elapsed);

/// <summary>
/// The rotation loop (<c>--enable-secret-rotation</c>): every pass re-publishes each registered volume that is
/// due through the one publish pipeline (<see cref="VolumePublisher"/>), as the pod, with the credentials
/// kubelet last handed over, a bounded number at a time, sharing backend reads within the pass, and backing
/// off per provider after backend failures. A failure keeps the last good files: nothing is deleted.
/// Pauses between passes follow the shortest class interval (at most the poll interval), with jitter.
/// </summary>
internal sealed class RotationReconciler(
    RotationOptions options,
    IVolumeRegistry registry,
    VolumePublisher publisher,
    VolumeCredentialStore credentialStore,
    VolumeLocks locks,
    IMounter mounter,
    RotationSchedule schedule,
    DriverMetrics metrics,
    ProviderBackoff backoff,
    TimeProvider time,
    Random random,
    ILogger<RotationReconciler> logger) : BackgroundService
{
    private readonly KeyedLock _passLock = new();
    private readonly HistogramFamily _passDuration = metrics.RotationPassDuration;
    private readonly CounterFamily _skipped = metrics.Registry.Counter(
        "csi_secrets_store_rotation_skipped_total",
        "Volumes a rotation pass could not re-fetch: no_credentials, tokens_expired, backoff, unpublished.",
        "reason");
    private TimeSpan? _shortestInterval;

    /// <summary>One pass over every registered volume; passes never overlap.</summary>
    public async Task<RotationPassResult> RunPassAsync(CancellationToken cancellationToken)
    {
        using var pass = await _passLock.AcquireAsync("pass", cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var volumes = registry.All.Where(r => r.Phase == VolumePhase.Published).ToList();
        var outcomes = new ConcurrentBag<VolumeResult>();
        var intervals = new ConcurrentBag<TimeSpan>(); // Periodic intervals of the classes seen, for the next pause.
        using var scope = new FetchScope(cancellationToken);
        await Parallel.ForEachAsync(
            volumes,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrentFetches), CancellationToken = cancellationToken },
            async (record, token) => outcomes.Add(await ReconcileAsync(record, scope, now, intervals, token).ConfigureAwait(false))).ConfigureAwait(false);
        if (scope.Misses > 0)
        {
            // A pass is a burst and the driver then idles until the next poll: without this the GC keeps the regions the
            // burst committed (17 MiB committed for 9 MiB live after 1,000 volumes; benchmark "rotation"). A blocking
            // collection of a heap this size takes a few milliseconds, once per pass.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        var elapsed = time.GetElapsedTime(started);
        _passDuration.Observe(elapsed.TotalSeconds);
        _shortestInterval = intervals.IsEmpty ? null : intervals.Min();
        var counts = outcomes.CountBy(r => r).ToDictionary();
        var (rotated, failed) = (counts.GetValueOrDefault(VolumeResult.Rotated), counts.GetValueOrDefault(VolumeResult.Failed));
        var result = new RotationPassResult(
            volumes.Count, counts.GetValueOrDefault(VolumeResult.Fetched) + rotated + failed, rotated, failed, counts.GetValueOrDefault(VolumeResult.Skipped), counts.GetValueOrDefault(VolumeResult.NotDue), scope.Misses, scope.Hits, elapsed);
        RotationLog.PassCompleted(logger, result.Volumes, result.Fetched, result.Rotated, result.Failed, result.Skipped, result.NotDue, result.BackendReads, result.SharedReads, elapsed.TotalMilliseconds);
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        RotationLog.Started(logger, options.PollInterval, (int)(options.Jitter * 100), options.MaxConcurrentFetches);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var pause = NextPause();
                var sleep = Task.Delay(pause, time, stoppingToken);
                RotationLog.Sleeping(logger, pause); // After the timer exists, so a clock moved on seeing it is never missed.
                await sleep.ConfigureAwait(false);
                await RunPassAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                RotationLog.PassFailed(logger, ex);
            }
        }

        RotationLog.Stopped(logger);
    }

    private TimeSpan NextPause()
    {
        // The poll interval, or sooner: the shortest class interval, the end of a provider's backoff; never below the minimum.
        var now = time.GetUtcNow();
        var due = new[] { options.PollInterval, _shortestInterval ?? TimeSpan.MaxValue, backoff.NextRetry(now) - now ?? TimeSpan.MaxValue }.Min();
        var pause = due < options.MinimumPause ? options.MinimumPause : due;

        lock (random)
        {
            return pause * (1 + (options.Jitter * random.NextDouble()));
        }
    }

    private async Task<VolumeResult> ReconcileAsync(VolumeRecord record, FetchScope scope, DateTimeOffset now, ConcurrentBag<TimeSpan> intervals, CancellationToken cancellationToken)
    {
        switch (credentialStore.TryGet(record.VolumeId, now, out var credentials))
        {
            case CredentialLookup.Missing:
                return Skip(record, "no_credentials", "kubelet has not republished it since the driver started (its tokens are needed)");
            case CredentialLookup.Expired:
                RotationLog.TokensExpired(logger, record.VolumeId);
                return Skip(record, "tokens_expired", "its service-account tokens expired");
        }

        SecretProviderClass? spc = null;
        try
        {
            spc = await publisher.ResolveClassAsync(record.PodNamespace, record.SecretProviderClass, scope, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException)
        {
            // The class cannot be read: the publish below fails the same way (from the scope) and reports it.
        }

        if (spc is not null)
        {
            if (spc.Rotation.Policy == RotationPolicy.Periodic)
            {
                intervals.Add(schedule.IntervalOf(spc));
            }

            if (!schedule.IsDue(record, spc, now))
            {
                return VolumeResult.NotDue;
            }
        }

        var provider = spc?.Provider ?? record.Provider;
        if (backoff.IsWaiting(provider, time.GetUtcNow()))
        {
            return Skip(record, "backoff", $"provider {provider} is backing off after failures");
        }

        using (await locks.AcquireAsync(record.VolumeId, record.TargetPath, cancellationToken).ConfigureAwait(false))
        {
            var current = registry.Get(record.VolumeId);
            if (current is null || current.TargetPath != record.TargetPath || current.Phase != VolumePhase.Published || !IsMounted(current.TargetPath))
            {
                return Skip(record, "unpublished", "it was unpublished during the pass");
            }

            if (spc is not null && current.FetchedAt != record.FetchedAt && !schedule.IsDue(current, spc, now))
            {
                return VolumeResult.NotDue; // kubelet's republish fetched it meanwhile.
            }

            return await PublishAsync(current, credentials, scope, provider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<VolumeResult> PublishAsync(VolumeRecord record, VolumeCredentials credentials, FetchScope scope, string provider, CancellationToken cancellationToken)
    {
        var request = new PublishRequest(
            record.VolumeId,
            record.TargetPath,
            record.SecretProviderClass,
            new PodIdentity(record.PodName, record.PodNamespace, record.PodUid, record.ServiceAccountName, credentials.Tokens),
            record.VolumeAttributes,
            credentials.Secrets,
            record.FsGroup)
        {
            Trigger = PublishTrigger.Rotation,
            FetchScope = scope,
        };

        try
        {
            var outcome = await publisher.PublishAsync(request, cancellationToken).ConfigureAwait(false);
            backoff.Succeeded(outcome.Provider);
            if (outcome.Files != WriteOutcome.Written)
            {
                return VolumeResult.Fetched;
            }

            RotationLog.VolumeRotated(logger, record.VolumeId, $"{record.PodNamespace}/{record.SecretProviderClass}", record.TargetPath);
            return VolumeResult.Rotated;
        }
        catch (SecretStoreException ex)
        {
            if (ex.Kind is FailureKind.Unavailable or FailureKind.Timeout)
            {
                backoff.Failed(ex.Provider ?? provider, ex.ErrorType, time.GetUtcNow());
            }

            RotationLog.VolumeRotationFailed(logger, record.VolumeId, $"{record.PodNamespace}/{record.SecretProviderClass}", ex.ErrorType, ex.Message);
            return VolumeResult.Failed;
        }
    }

    private bool IsMounted(string target)
    {
        try
        {
            return mounter.IsMountPoint(target);
        }
        catch (SecretStoreException)
        {
            return false;
        }
    }

    private VolumeResult Skip(VolumeRecord record, string reason, string why)
    {
        _skipped.Increment(reason);
        RotationLog.VolumeSkipped(logger, record.VolumeId, why);
        return VolumeResult.Skipped;
    }

    private enum VolumeResult
    {
        NotDue,
        Skipped,
        Fetched,
        Rotated,
        Failed,
    }
}
