using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;

namespace CsiDriver.Kubernetes;

/// <summary>
/// Keeps a <c>SecretProviderClassPodStatus</c> per mounted (pod, class), exactly as upstream names and labels it
/// (<c>&lt;pod&gt;-&lt;namespace&gt;-&lt;class&gt;</c>, node label, pod ownerReference) so existing clusters'
/// objects and tools keep working. Written after a successful publish (create, else read-compare-update),
/// skipped when nothing changed since the last write, deleted on unpublish.
/// </summary>
internal sealed class PodStatusWriter(KubernetesClient client, string nodeName, ILogger<PodStatusWriter> logger) : IPublishObserver
{
    public const string NodeLabel = "internal.secrets-store.csi.k8s.io/node-name";

    // What was last written per status, so a republish with nothing new makes no API call.
    private readonly ConcurrentDictionary<string, KubeSecretProviderClassPodStatus> _written = new(StringComparer.Ordinal);

    public static string NameFor(string pod, string @namespace, string secretProviderClass) => $"{pod}-{@namespace}-{secretProviderClass}";

    public async Task OnPublishedAsync(PublishRequest request, SecretProviderClass secretProviderClass, PublishOutcome outcome, CancellationToken cancellationToken)
    {
        var ns = request.Pod.Namespace;
        var name = NameFor(request.Pod.Name, ns, secretProviderClass.Name);
        var key = $"{ns}/{name}";
        var podUid = request.Pod.Uid;
        if (_written.TryGetValue(key, out var last) && Matches(last, Desired(request, secretProviderClass, outcome.Versions, last.Metadata?.OwnerReferences?.FirstOrDefault()?.Uid ?? podUid)))
        {
            return;
        }

        if (string.IsNullOrEmpty(podUid))
        {
            podUid = await LookUpPodUidAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var desired = Desired(request, secretProviderClass, outcome.Versions, podUid);
        try
        {
            try
            {
                await client.CreatePodStatusAsync(desired, cancellationToken).ConfigureAwait(false);
                KubernetesLog.PodStatusWritten(logger, ns, name, "created");
            }
            catch (KubernetesApiException ex) when (ex.IsAlreadyExists)
            {
                var updated = await client.RetryOnConflictAsync(
                    async ct =>
                    {
                        var current = await client.GetPodStatusAsync(ns, name, ct).ConfigureAwait(false);
                        return Matches(current, desired) ? null : await client.UpdatePodStatusAsync(Apply(current, desired), ct).ConfigureAwait(false);
                    },
                    $"update secretproviderclasspodstatuses {key}",
                    cancellationToken).ConfigureAwait(false);
                KubernetesLog.PodStatusWritten(logger, ns, name, updated is null ? "unchanged" : "updated");
            }

            _written[key] = desired;
        }
        catch (KubernetesApiException ex)
        {
            _written.TryRemove(key, out _);
            KubernetesLog.PodStatusFailed(logger, ns, name, ex.Message);
            throw;
        }
    }

    public async Task OnUnpublishedAsync(VolumeRecord? record, CancellationToken cancellationToken)
    {
        if (record is null || string.IsNullOrEmpty(record.PodName))
        {
            return;
        }

        var name = NameFor(record.PodName, record.PodNamespace, record.SecretProviderClass);
        _written.TryRemove($"{record.PodNamespace}/{name}", out _);
        if (await client.DeletePodStatusAsync(record.PodNamespace, name, cancellationToken).ConfigureAwait(false))
        {
            KubernetesLog.PodStatusDeleted(logger, record.PodNamespace, name);
        }
    }

    private async Task<string> LookUpPodUidAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        // kubelet passes the uid with podInfoOnMount; this is only for requests that lack it.
        try
        {
            return (await client.GetPodAsync(request.Pod.Namespace, request.Pod.Name, cancellationToken).ConfigureAwait(false)).Metadata?.Uid ?? string.Empty;
        }
        catch (KubernetesApiException ex)
        {
            KubernetesLog.PodStatusFailed(logger, request.Pod.Namespace, request.Pod.Name, $"no pod uid for the ownerReference: {ex.Message}");
            return string.Empty;
        }
    }

    private KubeSecretProviderClassPodStatus Desired(PublishRequest request, SecretProviderClass spc, IReadOnlyList<ObjectVersion> versions, string podUid) => new()
    {
        Metadata = new KubeObjectMeta
        {
            Name = NameFor(request.Pod.Name, request.Pod.Namespace, spc.Name),
            Namespace = request.Pod.Namespace,
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [NodeLabel] = nodeName },
            OwnerReferences = string.IsNullOrEmpty(podUid)
                ? null
                : [new OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = request.Pod.Name, Uid = podUid }],
        },
        Status = new SecretProviderClassPodStatusBody
        {
            PodName = request.Pod.Name,
            SecretProviderClassName = spc.Name,
            Mounted = true,
            TargetPath = request.TargetPath,
            NodeName = nodeName,
            Objects = versions
                .OrderBy(v => v.Id, StringComparer.Ordinal)
                .Select(v => new SecretProviderClassObject(v.Id, v.Version))
                .ToList(),
        },
    };

    /// <summary>The desired status with <paramref name="current"/>'s metadata, given the desired label and owner.</summary>
    private static KubeSecretProviderClassPodStatus Apply(KubeSecretProviderClassPodStatus current, KubeSecretProviderClassPodStatus desired)
    {
        var metadata = current.Metadata ?? new KubeObjectMeta();
        metadata.Labels ??= new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (label, value) in desired.Metadata!.Labels!)
        {
            metadata.Labels[label] = value;
        }

        metadata.OwnerReferences = desired.Metadata.OwnerReferences;
        return desired with { Metadata = metadata };
    }

    // Record equality covers every scalar field of the status; the object lists compare by content.
    private static bool Matches(KubeSecretProviderClassPodStatus current, KubeSecretProviderClassPodStatus desired) =>
        desired.Metadata!.Labels!.All(l => current.Metadata?.Labels?.GetValueOrDefault(l.Key) == l.Value) &&
        (current.Metadata?.OwnerReferences ?? []).SequenceEqual(desired.Metadata.OwnerReferences ?? []) &&
        current.Status is { } status && status with { Objects = null } == desired.Status! with { Objects = null } &&
        (status.Objects ?? []).SequenceEqual(desired.Status.Objects ?? []);
}
