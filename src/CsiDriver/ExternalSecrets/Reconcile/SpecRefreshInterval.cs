using CsiDriver.Hosting;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary><c>spec.refreshInterval</c> of an ExternalSecret or PushSecret.</summary>
internal static class SpecRefreshInterval
{
    private static readonly TimeSpan Default = TimeSpan.FromHours(1);

    /// <summary>The interval: <c>1h</c> when unset (the CRD default), <c>0</c> = once per spec change; a bad one fails the sync for good.</summary>
    public static TimeSpan Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Default;
        }

        try
        {
            return GoDuration.Parse(text);
        }
        catch (FormatException)
        {
            throw new SyncException($"spec.refreshInterval \"{text}\" is not a duration") { Retry = false };
        }
    }
}
