using CsiDriver.Kubernetes;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;

namespace CsiDriver.Sync;

/// <summary>
/// Mirrors a class's <c>spec.secretObjects</c> into Kubernetes Secrets in the pod's namespace after every
/// successful publish and republish (rotation takes the same path), before NodePublishVolume returns, so an
/// env <c>secretKeyRef</c> in the same pod resolves. Each Secret carries <c>secrets-store.csi.k8s.io/managed=true</c>
/// and is owned by the SecretProviderClassPodStatus of every pod that uses it, so the garbage collector deletes it
/// after the last of them. A Secret without the label is never touched. Sync failures never fail the mount:
/// they become a Warning event on the pod and a log line, both naming the Secret and the cause, never a value.
/// </summary>
internal sealed class SecretMirror(KubernetesClient client, PodEventRecorder events, TimeProvider time, ILogger<SecretMirror> logger, TimeSpan budget) : IPublishObserver
{
    /// <summary>How long a write is trusted before the Secret itself is read again (upstream re-syncs every 5 min).</summary>
    public static readonly TimeSpan VerifyInterval = TimeSpan.FromMinutes(5);

    public const string RbacHint = "the driver lacks the optional Secret-sync permission: apply the deploy/components/sync kustomize component (deploy/components/sync/clusterrole-syncsecret.yaml) (upstream Helm chart: syncSecret.enabled=true)";
    /// <summary>The longest all syncs of one publish may take: kubelet waits on NodePublishVolume, and a hung API must not hold the mount.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(30);

    private const string Updated = "updated";

    // Random per process, so a kept digest cannot confirm a guessed secret value.
    private readonly byte[] _digestKey = RandomNumberGenerator.GetBytes(32);
    private readonly KeyedLock _locks = new();

    // Per Secret: a keyed digest of what was last written or verified, and the owners then present.
    // In memory only: the Secret's own data stays the source of truth and is re-read after VerifyInterval.
    private readonly ConcurrentDictionary<string, Written> _written = new(StringComparer.Ordinal);

    // Per SecretProviderClassPodStatus: its uid, for the ownerReference, and the pod it was read for.
    private readonly ConcurrentDictionary<string, (string PodUid, string StatusUid)> _statusUids = new(StringComparer.Ordinal);

    public async Task OnPublishedAsync(PublishRequest request, SecretProviderClass secretProviderClass, PublishOutcome outcome, CancellationToken cancellationToken)
    {
        var spc = secretProviderClass;
        if (spc.SecretObjects.Count == 0)
        {
            return;
        }

        if (outcome.Contents is null)
        {
            // A publish path that did not pass the files on: syncing would wrongly report every object missing.
            SyncLog.NoContents(logger, spc.Description, $"{request.Pod.Namespace}/{request.Pod.Name}");
            return;
        }

        // Paths are unique: the pipeline checked the payload before writing it.
        var files = outcome.Contents.ToDictionary(f => f.Path, StringComparer.Ordinal);
        using var deadline = new CancellationTokenSource(budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        OwnerReference? owner = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in spc.SecretObjects)
        {
            var name = entry.SecretName.Trim();
            try
            {
                if (!seen.Add(name))
                {
                    throw SecretDataBuilder.Fail(spc, name, "secretName is listed more than once in spec.secretObjects");
                }

                var desired = SecretDataBuilder.Build(spc, entry, files);
                owner ??= await OwnerAsync(request, spc, linked.Token).ConfigureAwait(false);
                await SyncAsync(request, spc, desired, owner, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await ReportAsync(request, spc, name, $"SecretProviderClass {spc.Description}: cannot sync Secret {request.Pod.Namespace}/{name}: the Kubernetes API did not finish within {budget.TotalSeconds:F0} s; the next republish retries", cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SecretStoreException ex)
            {
                await ReportAsync(request, spc, name, ex.Message, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex)
            {
                var hint = ex.Kind == KubernetesErrorKind.Forbidden && ex.Call.Contains(" secrets ", StringComparison.Ordinal) ? $" ({RbacHint})" : string.Empty;
                await ReportAsync(request, spc, name, $"SecretProviderClass {spc.Description}: cannot sync Secret {request.Pod.Namespace}/{name}: {ex.Message}{hint}", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task OnUnpublishedAsync(VolumeRecord? record, CancellationToken cancellationToken)
    {
        // The status is deleted with the volume; the garbage collector drops it from each Secret's owners
        // (and deletes a Secret it was the last owner of). Forget it, so a later pod's write checks the Secret.
        if (record is not null && _statusUids.TryRemove($"{record.PodNamespace}/{PodStatusWriter.NameFor(record.PodName, record.PodNamespace, record.SecretProviderClass)}", out var status))
        {
            foreach (var key in _written.Where(w => w.Value.Owners.Contains(status.StatusUid)).Select(w => w.Key))
            {
                _written.TryRemove(key, out _);
            }
        }

        return Task.CompletedTask;
    }

    private async Task<OwnerReference> OwnerAsync(PublishRequest request, SecretProviderClass spc, CancellationToken cancellationToken)
    {
        var ns = request.Pod.Namespace;
        var statusName = PodStatusWriter.NameFor(request.Pod.Name, ns, spc.Name);
        var key = $"{ns}/{statusName}";
        if (!_statusUids.TryGetValue(key, out var known) || known.PodUid != request.Pod.Uid)
        {
            var status = await KubernetesClient.OrNullAsync(client.GetPodStatusAsync(ns, statusName, cancellationToken)).ConfigureAwait(false) ?? throw new SecretStoreException(
                FailureKind.NotFound,
                $"SecretProviderClass {spc.Description}: cannot sync Secrets: their owner, SecretProviderClassPodStatus {key}, does not exist (see the driver log for why it was not written)")
            { Reason = SyncReasons.FailedToCreateSecret };

            known = (request.Pod.Uid, status.Metadata?.Uid ?? string.Empty);
            if (known.StatusUid.Length == 0)
            {
                throw new SecretStoreException(FailureKind.Internal, $"SecretProviderClass {spc.Description}: cannot sync Secrets: SecretProviderClassPodStatus {key} has no uid") { Reason = SyncReasons.FailedToCreateSecret };
            }

            _statusUids[key] = known;
        }

        return new OwnerReference { ApiVersion = KubeSecretProviderClassPodStatus.ApiVersionV1, Kind = "SecretProviderClassPodStatus", Name = statusName, Uid = known.StatusUid };
    }

    private async Task SyncAsync(PublishRequest request, SecretProviderClass spc, DesiredSecret desired, OwnerReference owner, CancellationToken cancellationToken)
    {
        var ns = request.Pod.Namespace;
        var key = $"{ns}/{desired.Name}";
        var podName = $"{ns}/{request.Pod.Name}";
        using var held = await _locks.AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        var digest = desired.Digest(_digestKey);
        var now = time.GetUtcNow();
        string? action = null;
        if (!_written.TryGetValue(key, out var last) || !last.Owners.Contains(owner.Uid) || now - last.VerifiedAt >= VerifyInterval ||
            !CryptographicOperations.FixedTimeEquals(last.Digest, digest))
        {
            _written.TryRemove(key, out _);
            (var written, action) = await client.RetryOnConflictAsync(ct => WriteAsync(ns, spc, desired, owner, ct), $"sync secrets {key}", cancellationToken).ConfigureAwait(false);
            _written[key] = new Written(digest, (written.Metadata?.OwnerReferences ?? []).Select(o => o.Uid).ToHashSet(StringComparer.Ordinal), now);
        }

        if (action is null)
        {
            SyncLog.SecretUnchanged(logger, ns, desired.Name, spc.Description);
            return;
        }

        SyncLog.SecretWritten(logger, ns, desired.Name, action, spc.Description, podName);
        if (action == Updated)
        {
            await events.RecordAsync(request.Pod, "Normal", SyncReasons.SecretRotationComplete, $"successfully rotated K8s secret {desired.Name}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One read-modify-write of the Secret: created when missing, else merge-patched to what the entry wants.
    /// Returns the Secret as written and what was done (null: nothing to do); a 409 (another writer first) is retried by the caller.
    /// </summary>
    private async Task<(KubeSecret Written, string? Action)> WriteAsync(string ns, SecretProviderClass spc, DesiredSecret desired, OwnerReference owner, CancellationToken cancellationToken)
    {
        var current = await KubernetesClient.OrNullAsync(client.GetSecretAsync(ns, desired.Name, cancellationToken)).ConfigureAwait(false);
        if (current is null)
        {
            return (await client.CreateSecretAsync(NewSecret(ns, desired, owner), cancellationToken).ConfigureAwait(false), "created");
        }

        if (current.Metadata?.Labels?.GetValueOrDefault(SecretDataBuilder.ManagedLabel) != "true")
        {
            SyncLog.NotOurs(logger, ns, desired.Name, spc.Description);
            throw SecretDataBuilder.Fail(spc, desired.Name,
                $"a Secret of that name already exists and is not managed by the driver (no label {SecretDataBuilder.ManagedLabel}=true); it was left unchanged. Rename secretName, or delete that Secret to let the driver create it");
        }

        var currentType = string.IsNullOrEmpty(current.Type) ? SecretTypes.Opaque : current.Type;
        if (currentType != desired.Type)
        {
            throw SecretDataBuilder.Fail(spc, desired.Name,
                $"the existing Secret has type {currentType} and the class asks for {desired.Type}; a Secret's type cannot change, so delete the Secret to let the driver re-create it");
        }

        var (patch, dataChanged) = Diff(current, desired, owner);
        return patch is null
            ? (current, null)
            : (await client.PatchSecretAsync(ns, desired.Name, patch, cancellationToken).ConfigureAwait(false), dataChanged ? Updated : "owner added");
    }

    private static KubeSecret NewSecret(string ns, DesiredSecret desired, OwnerReference owner) => new()
    {
        Metadata = new KubeObjectMeta
        {
            Name = desired.Name,
            Namespace = ns,
            Labels = new Dictionary<string, string>(desired.Labels, StringComparer.Ordinal),
            Annotations = desired.Annotations.Count == 0 ? null : new Dictionary<string, string>(desired.Annotations, StringComparer.Ordinal),
            OwnerReferences = [owner],
        },
        Type = desired.Type,
        Data = new Dictionary<string, byte[]>(desired.Data, StringComparer.Ordinal),
    };

    /// <summary>
    /// A merge patch (locked to the read resourceVersion) bringing <paramref name="current"/> to what the entry
    /// wants, or null if it already is. Data is replaced exactly; labels and annotations are set, never removed
    /// (other tools may own some); our owner is added to the existing ones.
    /// </summary>
    private static (JsonObject? Patch, bool DataChanged) Diff(KubeSecret current, DesiredSecret desired, OwnerReference owner)
    {
        var metadata = new JsonObject();
        if (ChangedEntries(current.Metadata?.Labels, desired.Labels) is { } labels)
        {
            metadata["labels"] = labels;
        }

        if (ChangedEntries(current.Metadata?.Annotations, desired.Annotations) is { } annotations)
        {
            metadata["annotations"] = annotations;
        }

        var owners = current.Metadata?.OwnerReferences ?? [];
        if (!owners.Any(o => o.Uid == owner.Uid))
        {
            metadata["ownerReferences"] = JsonSerializer.SerializeToNode([.. owners, owner], KubernetesJsonContext.Default.ListOwnerReference);
        }

        var data = new JsonObject();
        var have = current.Data ?? [];
        foreach (var (k, v) in desired.Data)
        {
            if (!have.TryGetValue(k, out var old) || !old.AsSpan().SequenceEqual(v))
            {
                data[k] = Convert.ToBase64String(v);
            }
        }

        foreach (var k in have.Keys.Where(k => !desired.Data.ContainsKey(k)))
        {
            data[k] = null;
        }

        if (metadata.Count == 0 && data.Count == 0)
        {
            return (null, false);
        }

        metadata["resourceVersion"] = current.Metadata?.ResourceVersion;
        var patch = new JsonObject { ["metadata"] = metadata };
        if (data.Count > 0)
        {
            patch["data"] = data;
        }

        return (patch, data.Count > 0);
    }

    private static JsonObject? ChangedEntries(Dictionary<string, string>? current, IReadOnlyDictionary<string, string> desired)
    {
        JsonObject? changed = null;
        foreach (var (k, v) in desired)
        {
            if (current is null || !current.TryGetValue(k, out var old) || old != v)
            {
                (changed ??= [])[k] = v;
            }
        }

        return changed;
    }

    private async Task ReportAsync(PublishRequest request, SecretProviderClass spc, string secretName, string message, CancellationToken cancellationToken)
    {
        SyncLog.SyncFailed(logger, request.Pod.Namespace, secretName, spc.Description, $"{request.Pod.Namespace}/{request.Pod.Name}", message);
        await events.RecordAsync(request.Pod, "Warning", SyncReasons.FailedToCreateSecret, message, cancellationToken).ConfigureAwait(false);
    }

    private sealed record Written(byte[] Digest, IReadOnlySet<string> Owners, DateTimeOffset VerifiedAt);
}
