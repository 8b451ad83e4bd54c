namespace CsiDriver.Publishing;

/// <summary>The pod a volume belongs to, as kubelet described it; providers authenticate as this pod.</summary>
public sealed record PodIdentity(
    string Name,
    string Namespace,
    string Uid,
    string ServiceAccountName,
    ServiceAccountTokens Tokens);
