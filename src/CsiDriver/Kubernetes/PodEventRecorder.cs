using CsiDriver.Publishing;
using CsiDriver.Spec;

namespace CsiDriver.Kubernetes;

/// <summary>
/// Records Events on the pod: a Warning when a mount fails (reason such as <c>SecretProviderClassNotFound</c>
/// or <c>FailedToMount</c>; the message names the class, object and cause and never a value). Repeats of the
/// same event within <see cref="EventCorrelator.CorrelationWindow"/> bump its count instead of creating more objects, as
/// client-go's recorder does, so kubelet's retries cannot flood etcd.
/// </summary>
internal sealed class PodEventRecorder(KubernetesClient client, string nodeName, TimeProvider time, ILogger<PodEventRecorder> logger) : IPublishObserver
{
    public const string Component = "csi-secrets-store-controller";

    private readonly EventCorrelator _events = new(client.CreateEventAsync, client.PatchEventAsync, time);

    public Task OnPublishedAsync(PublishRequest request, SecretProviderClass secretProviderClass, PublishOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.StaleAge is { } age)
        {
            return RecordAsync(
                request.Pod,
                "Warning",
                "StaleObjectsServed",
                $"SecretProviderClass {secretProviderClass.Description}: the backend could not be reached, so objects this pod's identity fetched {FormatAge(age)} ago were mounted (staleIfError {FormatAge(secretProviderClass.Rotation.StaleIfError ?? TimeSpan.Zero)}); cause: {outcome.StaleCause}",
                cancellationToken);
        }

        // Upstream v1.6 emits no event for a mount; rotation (as upstream <= 1.5) reports rotated contents.
        return request.Trigger == PublishTrigger.Rotation && outcome.Files == Mounting.WriteOutcome.Written
            ? RecordAsync(request.Pod, "Normal", "MountRotationComplete", $"successfully rotated mounted contents for spc {secretProviderClass.Description}", cancellationToken)
            : Task.CompletedTask;
    }

    public Task OnPublishFailedAsync(PublishRequest request, SecretStoreException failure, CancellationToken cancellationToken)
    {
        var classRef = $"{request.Pod.Namespace}/{request.ClassName}";
        var message = failure.Message.Contains(classRef, StringComparison.Ordinal) ? failure.Message : $"SecretProviderClass {classRef}: {failure.Message}";

        var reason = request.Trigger == PublishTrigger.Rotation ? "MountRotationFailed" : failure.Reason ?? "FailedToMount";
        return RecordAsync(request.Pod, "Warning", reason, message, cancellationToken);
    }

    private static string FormatAge(TimeSpan age) =>
        age.TotalHours >= 1 ? $"{(int)age.TotalHours}h{age.Minutes}m" : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m{age.Seconds}s" : $"{(int)age.TotalSeconds}s";

    public async Task RecordAsync(PodIdentity pod, string type, string reason, string message, CancellationToken cancellationToken)
    {
        try
        {
            var subject = new KubeObjectReference { ApiVersion = "v1", Kind = "Pod", Namespace = pod.Namespace, Name = pod.Name, Uid = string.IsNullOrEmpty(pod.Uid) ? null : pod.Uid };
            var source = new KubeEventSource { Component = Component, Host = nodeName };
            var count = await _events.RecordAsync(subject, pod.Namespace, source, nodeName, type, reason, message, cancellationToken).ConfigureAwait(false);
            KubernetesLog.EventRecorded(logger, type, reason, pod.Namespace, pod.Name, count);
        }
        catch (KubernetesApiException ex)
        {
            KubernetesLog.EventFailed(logger, reason, pod.Namespace, pod.Name, ex.Message);
        }
    }
}
