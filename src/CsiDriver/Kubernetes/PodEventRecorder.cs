using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Kubernetes;

/// <summary>
/// Records Events on the pod: a Warning when a mount fails (reason such as <c>SecretProviderClassNotFound</c>
/// or <c>FailedToMount</c>; the message names the class, object and cause and never a value). Repeats of the
/// same event within <see cref="CorrelationWindow"/> bump its count instead of creating more objects, as
/// client-go's recorder does, so kubelet's retries cannot flood etcd.
/// </summary>
internal sealed class PodEventRecorder : IPublishObserver
{
    public const string Component = "csi-secrets-store-controller";
    public static readonly TimeSpan CorrelationWindow = TimeSpan.FromMinutes(10);
    private const int MaxMessageLength = 1024;
    private const int MaxTracked = 4096;

    private readonly KubernetesClient _client;
    private readonly string _nodeName;
    private readonly TimeProvider _time;
    private readonly ILogger<PodEventRecorder> _logger;
    private readonly ConcurrentDictionary<string, Recorded> _recent = new(StringComparer.Ordinal);
    private long _sequence;

    public PodEventRecorder(KubernetesClient client, string nodeName, TimeProvider time, ILogger<PodEventRecorder> logger)
    {
        _client = client;
        _nodeName = nodeName;
        _time = time;
        _logger = logger;
    }

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
        var message = failure.Message;
        var classRef = $"{request.Pod.Namespace}/{request.ClassName}";
        if (!message.Contains(classRef, StringComparison.Ordinal))
        {
            message = $"SecretProviderClass {classRef}: {message}";
        }

        var reason = request.Trigger == PublishTrigger.Rotation ? "MountRotationFailed" : failure.Reason ?? "FailedToMount";
        return RecordAsync(request.Pod, "Warning", reason, message, cancellationToken);
    }

    private static string FormatAge(TimeSpan age) =>
        age.TotalHours >= 1 ? $"{(int)age.TotalHours}h{age.Minutes}m" : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m{age.Seconds}s" : $"{(int)age.TotalSeconds}s";

    public Task OnUnpublishedAsync(VolumeRecord? record, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task RecordAsync(PodIdentity pod, string type, string reason, string message, CancellationToken cancellationToken)
    {
        if (message.Length > MaxMessageLength)
        {
            message = message[..(MaxMessageLength - 3)] + "...";
        }

        var now = _time.GetUtcNow();
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var key = $"{pod.Namespace}/{pod.Name}/{pod.Uid}/{type}/{reason}/{message}";
        try
        {
            if (_recent.TryGetValue(key, out var seen) && now - seen.First < CorrelationWindow)
            {
                var count = seen.Count + 1;
                try
                {
                    await _client.PatchEventAsync(pod.Namespace, seen.Name, new JsonObject { ["count"] = count, ["lastTimestamp"] = stamp }, cancellationToken).ConfigureAwait(false);
                    _recent[key] = seen with { Count = count };
                    KubernetesLog.EventRecorded(_logger, type, reason, pod.Namespace, pod.Name, count);
                    return;
                }
                catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
                {
                    // The event expired (the API server's event TTL); create a fresh one below.
                }
            }

            if (_recent.Count >= MaxTracked)
            {
                _recent.Clear();
            }

            var name = $"{pod.Name}.{now.ToUnixTimeMilliseconds():x}{Interlocked.Increment(ref _sequence) % 0x10000:x4}";
            await _client.CreateEventAsync(
                new KubeEvent
                {
                    Metadata = new KubeObjectMeta { Name = name, Namespace = pod.Namespace },
                    InvolvedObject = new KubeObjectReference { ApiVersion = "v1", Kind = "Pod", Namespace = pod.Namespace, Name = pod.Name, Uid = string.IsNullOrEmpty(pod.Uid) ? null : pod.Uid },
                    Type = type,
                    Reason = reason,
                    Message = message,
                    Source = new KubeEventSource { Component = Component, Host = _nodeName },
                    FirstTimestamp = stamp,
                    LastTimestamp = stamp,
                    Count = 1,
                    ReportingComponent = Component,
                    ReportingInstance = _nodeName,
                },
                cancellationToken).ConfigureAwait(false);
            _recent[key] = new Recorded(name, now, 1);
            KubernetesLog.EventRecorded(_logger, type, reason, pod.Namespace, pod.Name, 1);
        }
        catch (KubernetesApiException ex)
        {
            KubernetesLog.EventFailed(_logger, reason, pod.Namespace, pod.Name, ex.Message);
        }
    }

    private sealed record Recorded(string Name, DateTimeOffset First, int Count);
}
