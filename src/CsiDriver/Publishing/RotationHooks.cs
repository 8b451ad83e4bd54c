using CsiDriver.Providers;
using CsiDriver.Spec;
using CsiDriver.State;

namespace CsiDriver.Publishing;

/// <summary>
/// Decides whether a kubelet republish of a volume that is already published must fetch again. With
/// rotation on, republishes only fetch when the volume is due; with it off, every republish fetches.
/// </summary>
public interface IRepublishGate
{
    /// <summary>True to fetch; false to answer the republish from what is already mounted.</summary>
    bool ShouldFetch(PublishRequest request, VolumeRecord previous, SecretProviderClass secretProviderClass, DateTimeOffset now);
}

/// <summary>
/// The <c>staleIfError</c> cache: the last objects fetched per (class, provider, identity), in memory only,
/// served to a NEW publish when the backend cannot be reached and the class opts in.
/// </summary>
public interface IStaleObjectCache
{
    /// <summary>Keeps a successful result if the class opts in (a no-op otherwise).</summary>
    void Remember(ProviderRequest request, ProviderResult result, DateTimeOffset now);

    /// <summary>A cached result for the same identity, younger than the class's window; null if none.</summary>
    StaleResult? TryServe(ProviderRequest request, SecretStoreException failure, DateTimeOffset now);
}

/// <summary>Objects served from the <c>staleIfError</c> cache, and how old they are.</summary>
public sealed record StaleResult(ProviderResult Result, TimeSpan Age);
