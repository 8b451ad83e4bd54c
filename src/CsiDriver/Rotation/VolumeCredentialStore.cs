using CsiDriver.Publishing;

namespace CsiDriver.Rotation;

/// <summary>
/// The credentials kubelet handed over at the last NodePublishVolume of each volume (service-account tokens and
/// nodePublishSecretRef data), which rotation needs to fetch as the pod. Memory only: never on disk, never
/// logged; replaced at every (re)publish, dropped at unpublish, lost on restart (kubelet's next republish,
/// guaranteed by requiresRepublish, brings them back). Kept current as an observer of kubelet's calls.
/// </summary>
internal sealed class VolumeCredentialStore(State.IVolumeRegistry registry, TimeProvider time) : IPublishObserver
{
    private readonly ConcurrentDictionary<string, VolumeCredentials> _byVolume = new(StringComparer.Ordinal);

    /// <summary>The volume's credentials if usable now.</summary>
    public CredentialLookup TryGet(string volumeId, DateTimeOffset now, out VolumeCredentials credentials)
    {
        if (!_byVolume.TryGetValue(volumeId, out credentials!))
        {
            return CredentialLookup.Missing;
        }

        // kubelet renews every token together, so one expired token means the set is stale.
        var tokens = credentials.Tokens;
        return tokens.Audiences.Any(audience => tokens.TryGet(audience, out var token) && token.ExpiresAt <= now) ? CredentialLookup.Expired : CredentialLookup.Usable;
    }

    public Task OnPublishedAsync(PublishRequest request, Spec.SecretProviderClass secretProviderClass, PublishOutcome outcome, CancellationToken cancellationToken)
    {
        Refresh(request);
        return Task.CompletedTask;
    }

    public Task OnPublishFailedAsync(PublishRequest request, SecretStoreException failure, CancellationToken cancellationToken)
    {
        // A failed republish of a live volume still brings fresher tokens for the next pass.
        if (registry.Get(request.VolumeId) is not null)
        {
            Refresh(request);
        }

        return Task.CompletedTask;
    }

    public Task OnUnpublishedAsync(State.VolumeRecord? record, CancellationToken cancellationToken)
    {
        if (record is not null)
        {
            _byVolume.TryRemove(record.VolumeId, out _);
        }

        return Task.CompletedTask;
    }

    private void Refresh(PublishRequest request)
    {
        if (request.Trigger == PublishTrigger.Kubelet)
        {
            _byVolume[request.VolumeId] = new VolumeCredentials(request.Pod.Tokens, request.Secrets, time.GetUtcNow());
        }
    }
}

/// <summary>Whether a volume's credentials can be used for a fetch now.</summary>
internal enum CredentialLookup
{
    Usable,

    /// <summary>Not handed over since the driver started.</summary>
    Missing,

    /// <summary>At least one token is past its expirationTimestamp.</summary>
    Expired,
}

/// <summary>One volume's credentials. <see cref="ToString"/> shows no token or secret.</summary>
internal sealed record VolumeCredentials(ServiceAccountTokens Tokens, IReadOnlyDictionary<string, string> Secrets, DateTimeOffset ReceivedAt)
{
    public override string ToString() => $"credentials ({Tokens}, {Secrets.Count} secret key(s), received {ReceivedAt:O})";
}
