using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using CsiDriver.Kubernetes;
using Microsoft.Extensions.Logging;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>The object an event is recorded on.</summary>
internal sealed record EventSubject(string ApiVersion, string Kind, string? Namespace, string Name, string? Uid);

/// <summary>
/// Records core/v1 Events on ExternalSecrets and stores (reporting components as the External Secrets Operator's:
/// <c>external-secrets</c>, <c>secret-store</c>, <c>cluster-secret-store</c>). A repeat of the same event within
/// <see cref="CorrelationWindow"/> bumps its count instead of creating another object, as client-go's recorder does.
/// Messages are the callers' safe texts; a failure to record is logged, never thrown.
/// </summary>
internal sealed class ExternalSecretsEventRecorder
{
    public static readonly TimeSpan CorrelationWindow = TimeSpan.FromMinutes(10);
    private const int MaxMessageLength = 1024;
    private const int MaxTracked = 4096;

    private readonly ExternalSecretsKubeApi _api;
    private readonly TimeProvider _time;
    private readonly ILogger<ExternalSecretsEventRecorder> _logger;
    private readonly string _instance;
    private readonly ConcurrentDictionary<string, Recorded> _recent = new(StringComparer.Ordinal);
    private long _sequence;

    public ExternalSecretsEventRecorder(ExternalSecretsKubeApi api, TimeProvider time, ILogger<ExternalSecretsEventRecorder> logger)
    {
        _api = api;
        _time = time;
        _logger = logger;
        _instance = Environment.MachineName;
    }

    public async Task RecordAsync(EventSubject subject, string component, string type, string reason, string message, CancellationToken cancellationToken)
    {
        if (message.Length > MaxMessageLength)
        {
            message = message[..(MaxMessageLength - 3)] + "...";
        }

        // Cluster-scoped objects get their events in "default", as client-go does.
        var ns = subject.Namespace ?? "default";
        var now = _time.GetUtcNow();
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var key = $"{subject.Kind}/{ns}/{subject.Name}/{subject.Uid}/{type}/{reason}/{message}";
        try
        {
            if (_recent.TryGetValue(key, out var seen) && now - seen.First < CorrelationWindow)
            {
                try
                {
                    await _api.PatchEventAsync(ns, seen.Name, new JsonObject { ["count"] = seen.Count + 1, ["lastTimestamp"] = stamp }, cancellationToken).ConfigureAwait(false);
                    _recent[key] = seen with { Count = seen.Count + 1 };
                    return;
                }
                catch (KubernetesApiException ex) when (ex.Kind == KubernetesErrorKind.NotFound)
                {
                    // Expired by the API server's event TTL: create a fresh one.
                }
            }

            if (_recent.Count >= MaxTracked)
            {
                _recent.Clear();
            }

            var name = $"{subject.Name}.{now.ToUnixTimeMilliseconds():x}{Interlocked.Increment(ref _sequence) % 0x10000:x4}";
            await _api.CreateEventAsync(
                new KubeEvent
                {
                    Metadata = new KubeObjectMeta { Name = name, Namespace = ns },
                    InvolvedObject = new KubeObjectReference { ApiVersion = subject.ApiVersion, Kind = subject.Kind, Namespace = subject.Namespace, Name = subject.Name, Uid = subject.Uid },
                    Type = type,
                    Reason = reason,
                    Message = message,
                    Source = new KubeEventSource { Component = component },
                    FirstTimestamp = stamp,
                    LastTimestamp = stamp,
                    Count = 1,
                    ReportingComponent = component,
                    ReportingInstance = _instance,
                },
                cancellationToken).ConfigureAwait(false);
            _recent[key] = new Recorded(name, now, 1);
        }
        catch (KubernetesApiException ex)
        {
            ExternalSecretsLog.EventFailed(_logger, reason, subject.Kind, ns, subject.Name, ex.Message);
        }
    }

    private sealed record Recorded(string Name, DateTimeOffset First, int Count);
}
