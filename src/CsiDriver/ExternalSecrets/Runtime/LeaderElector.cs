using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>Where the lease is, who we are, and controller-runtime's timings (15 s lease, 10 s renew deadline, 2 s retry).</summary>
internal sealed record LeaderElectionOptions
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>This candidate's <c>holderIdentity</c>: the pod name plus a random suffix, unique per process.</summary>
    public required string Identity { get; init; }

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Leader election on a <c>coordination.k8s.io/v1</c> Lease, as client-go does it: a candidate takes the lease
/// when it is free, released, or has not been renewed for a lease duration as measured on OUR clock since we
/// last saw it change (so clock skew between nodes does not matter); the leader renews every retry period and
/// gives up leadership when it could not renew within the renew deadline. Writes are optimistic (the lease's
/// resourceVersion), so two candidates can never both win. On a graceful stop the leader releases the lease,
/// which lets a follower take over at its next retry instead of after a lease duration.
/// </summary>
internal sealed class LeaderElector(LeaseClient leases, LeaderElectionOptions options, TimeProvider time, Func<double> random, ILogger logger)
{
    private const string MicroTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    private (string? Holder, string? RenewTime, string? ResourceVersion) _observed;
    private DateTimeOffset _observedAt;
    private volatile bool _leading;

    public bool IsLeader => _leading;

    public string Identity => options.Identity;

    /// <summary>
    /// Campaigns until <paramref name="stop"/>; while leading runs <paramref name="lead"/>, whose token is cancelled
    /// when leadership is lost or on stop. After <paramref name="lead"/> returned on stop, releases the lease.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (!await AcquireAsync(stop).ConfigureAwait(false))
            {
                // Stopped while campaigning: a take-over whose answer the stop cut off may still have made this process
                // the holder, and nobody would lead until the lease expired. The release checks before it writes.
                await ReleaseAsync().ConfigureAwait(false);
                return;
            }

            RuntimeLog.BecameLeader(logger, options.Namespace, options.Name, options.Identity);
            _leading = true;
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var work = lead(leading.Token);
            await RenewWhileLeadingAsync(stop).ConfigureAwait(false);
            _leading = false;
            await leading.CancelAsync().ConfigureAwait(false);
            await work.ConfigureAwait(false);
            if (stop.IsCancellationRequested)
            {
                await ReleaseAsync().ConfigureAwait(false);
                return;
            }

            RuntimeLog.LostLeadership(logger, options.Namespace, options.Name, options.Identity);
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(stop).ConfigureAwait(false))
            {
                return true;
            }

            // client-go's jitter factor 1.2: candidates do not retry in lockstep.
            if (!await DelayAsync(options.RetryPeriod * (1 + (0.2 * random())), stop).ConfigureAwait(false))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Returns when leadership is lost (no successful renew within the renew deadline) or on stop.</summary>
    private async Task RenewWhileLeadingAsync(CancellationToken stop)
    {
        var lastRenew = time.GetUtcNow();
        while (await DelayAsync(options.RetryPeriod, stop).ConfigureAwait(false))
        {
            if (await TryAcquireOrRenewAsync(stop).ConfigureAwait(false))
            {
                lastRenew = time.GetUtcNow();
                continue;
            }

            if (_observed.Holder is { Length: > 0 } holder && holder != options.Identity)
            {
                return; // Someone else holds it: we are not the leader any more.
            }

            if (time.GetUtcNow() - lastRenew >= options.RenewDeadline)
            {
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stamp = now.UtcDateTime.ToString(MicroTimeFormat, CultureInfo.InvariantCulture);
        try
        {
            var lease = await leases.GetAsync(options.Namespace, options.Name, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                var created = await leases.CreateAsync(
                    new KubeLease
                    {
                        Metadata = new KubeObjectMeta { Name = options.Name, Namespace = options.Namespace },
                        Spec = Record(stamp, stamp, 0),
                    },
                    cancellationToken).ConfigureAwait(false);
                Observe(created, now);
                return true;
            }

            var spec = lease.Spec ?? new KubeLeaseSpec();
            Observe(lease, now);
            var held = spec.HolderIdentity is { Length: > 0 };
            var ours = spec.HolderIdentity == options.Identity;
            var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)options.LeaseDuration.TotalSeconds);
            if (held && !ours && _observedAt + duration > now)
            {
                return false;
            }

            var renewed = ours
                ? Record(spec.AcquireTime ?? stamp, stamp, spec.LeaseTransitions ?? 0)
                : Record(stamp, stamp, (spec.LeaseTransitions ?? 0) + 1);
            var updated = await leases.UpdateAsync(lease with { Spec = renewed }, cancellationToken).ConfigureAwait(false);
            Observe(updated, now);
            return true;
        }
        catch (KubernetesApiException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A conflict means another candidate wrote first; anything else is retried at the next period.
            RuntimeLog.LeaseCallFailed(logger, options.Namespace, options.Name, ex.Message);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var deadline = new CancellationTokenSource(options.RenewDeadline);
        try
        {
            var lease = await leases.GetAsync(options.Namespace, options.Name, deadline.Token).ConfigureAwait(false);
            if (lease?.Spec?.HolderIdentity != options.Identity)
            {
                return;
            }

            var stamp = time.GetUtcNow().UtcDateTime.ToString(MicroTimeFormat, CultureInfo.InvariantCulture);
            var released = new KubeLeaseSpec(HolderIdentity: null, LeaseDurationSeconds: 1, AcquireTime: stamp, RenewTime: stamp, LeaseTransitions: lease.Spec.LeaseTransitions);
            await leases.UpdateAsync(lease with { Spec = released }, deadline.Token).ConfigureAwait(false);
            RuntimeLog.ReleasedLease(logger, options.Namespace, options.Name, options.Identity);
        }
        catch (Exception ex) when (ex is KubernetesApiException or OperationCanceledException)
        {
            // The lease then expires on its own; a follower takes over after one lease duration.
            RuntimeLog.LeaseCallFailed(logger, options.Namespace, options.Name, ex.Message);
        }
    }

    private KubeLeaseSpec Record(string acquireTime, string renewTime, int transitions) => new()
    {
        HolderIdentity = options.Identity,
        LeaseDurationSeconds = (int)Math.Ceiling(options.LeaseDuration.TotalSeconds),
        AcquireTime = acquireTime,
        RenewTime = renewTime,
        LeaseTransitions = transitions,
    };

    /// <summary>Remembers the record and, when it changed, when we saw it change (the expiry clock starts there).</summary>
    private void Observe(KubeLease lease, DateTimeOffset now)
    {
        var record = (lease.Spec?.HolderIdentity, lease.Spec?.RenewTime, lease.Metadata?.ResourceVersion);
        if (record != _observed)
        {
            _observed = record;
            _observedAt = now;
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, time, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
