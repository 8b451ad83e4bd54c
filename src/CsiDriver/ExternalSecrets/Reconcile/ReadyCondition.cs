using CsiDriver.ExternalSecrets.Api;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>The <c>Ready</c> condition bookkeeping: <c>lastTransitionTime</c> moves only when the status flips.</summary>
internal static class ReadyCondition
{
    public const string Type = "Ready";

    public static List<StatusCondition> Set(IReadOnlyList<StatusCondition>? current, bool ready, string reason, string message, DateTimeOffset now)
    {
        var status = ready ? "True" : "False";
        var previous = current?.FirstOrDefault(c => c.Type == Type);
        var transition = previous is not null && previous.Status == status && previous.LastTransitionTime is not null
            ? previous.LastTransitionTime
            : Timestamp(now);
        var others = current?.Where(c => c.Type != Type) ?? [];
        return [.. others, new StatusCondition { Type = Type, Status = status, Reason = reason, Message = message, LastTransitionTime = transition }];
    }

    /// <summary>RFC 3339 with seconds, as <c>metav1.Time</c> serialises.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Parse(string? timestamp) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value) ? value : null;
}
