namespace CsiDriver.Kubernetes;

/// <summary>
/// Writes core/v1 Events the way client-go's recorder does, for every recorder here: a repeat of the same event within
/// <see cref="CorrelationWindow"/> bumps its count instead of creating another object, so retries cannot flood etcd.
/// </summary>
/// <param name="create">Creates an event.</param>
/// <param name="patch">Merge-patches the named event in a namespace.</param>
/// <param name="time">The clock for timestamps and the window.</param>
internal sealed class EventCorrelator(Func<KubeEvent, CancellationToken, Task> create, Func<string, string, JsonObject, CancellationToken, Task> patch, TimeProvider time)
{
    public static readonly TimeSpan CorrelationWindow = TimeSpan.FromMinutes(10);
    private const int MaxMessageLength = 1024;
    private const int MaxTracked = 4096;

    private readonly ConcurrentDictionary<string, Recorded> _recent = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>
    /// Records the event in <paramref name="eventNamespace"/> and returns its count; the API's failures are thrown for
    /// the caller to log. A message over 1 KiB is cut.
    /// </summary>
    public async Task<int> RecordAsync(
        KubeObjectReference subject, string eventNamespace, KubeEventSource source, string reportingInstance, string type, string reason, string message, CancellationToken cancellationToken)
    {
        if (message.Length > MaxMessageLength)
        {
            message = message[..(MaxMessageLength - 3)] + "...";
        }

        var now = time.GetUtcNow();
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var key = $"{subject.Kind}/{eventNamespace}/{subject.Name}/{subject.Uid}/{type}/{reason}/{message}";
        if (_recent.TryGetValue(key, out var seen) && now - seen.First < CorrelationWindow)
        {
            var count = seen.Count + 1;
            try
            {
                await patch(eventNamespace, seen.Name, new JsonObject { ["count"] = count, ["lastTimestamp"] = stamp }, cancellationToken).ConfigureAwait(false);
                _recent[key] = seen with { Count = count };
                return count;
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

        var name = $"{subject.Name}.{now.ToUnixTimeMilliseconds():x}{Interlocked.Increment(ref _sequence) % 0x10000:x4}";
        await create(
            new KubeEvent
            {
                Metadata = new KubeObjectMeta { Name = name, Namespace = eventNamespace },
                InvolvedObject = subject,
                Type = type,
                Reason = reason,
                Message = message,
                Source = source,
                FirstTimestamp = stamp,
                LastTimestamp = stamp,
                Count = 1,
                ReportingComponent = source.Component,
                ReportingInstance = reportingInstance,
            },
            cancellationToken).ConfigureAwait(false);
        _recent[key] = new Recorded(name, now, 1);
        return 1;
    }

    private sealed record Recorded(string Name, DateTimeOffset First, int Count);
}
