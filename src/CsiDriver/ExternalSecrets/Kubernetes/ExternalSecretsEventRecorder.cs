using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>The object an event is recorded on.</summary>
internal sealed record EventSubject(string ApiVersion, string Kind, string? Namespace, string Name, string? Uid);

/// <summary>
/// Records core/v1 Events on ExternalSecrets and stores (reporting components as the External Secrets Operator's:
/// <c>external-secrets</c>, <c>secret-store</c>, <c>cluster-secret-store</c>). A repeat of the same event within
/// <see cref="EventCorrelator.CorrelationWindow"/> bumps its count instead of creating another object, as client-go's recorder does.
/// Messages are the callers' safe texts; a failure to record is logged, never thrown.
/// </summary>
internal sealed class ExternalSecretsEventRecorder(ExternalSecretsKubeApi api, TimeProvider time, ILogger<ExternalSecretsEventRecorder> logger)
{
    private readonly EventCorrelator _events = new(api.CreateEventAsync, api.PatchEventAsync, time);
    private readonly string _instance = Environment.MachineName;

    public async Task RecordAsync(EventSubject subject, string component, string type, string reason, string message, CancellationToken cancellationToken)
    {
        // Cluster-scoped objects get their events in "default", as client-go does.
        var ns = subject.Namespace ?? "default";
        try
        {
            var involved = new KubeObjectReference { ApiVersion = subject.ApiVersion, Kind = subject.Kind, Namespace = subject.Namespace, Name = subject.Name, Uid = subject.Uid };
            await _events.RecordAsync(involved, ns, new KubeEventSource { Component = component }, _instance, type, reason, message, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            ExternalSecretsLog.EventFailed(logger, reason, subject.Kind, ns, subject.Name, ex.Message);
        }
    }
}
