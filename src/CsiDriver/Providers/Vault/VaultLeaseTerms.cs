namespace CsiDriver.Providers.Vault;

/// <summary>
/// The terms of one Vault lease, as renewals change them: the id, the TTL granted at issue (the increment asked for on
/// renewal), the TTL of the latest issue or renewal, and when it ends. <see cref="VaultLeasePolicy"/> decides on these.
/// </summary>
internal abstract class VaultLeaseTerms
{
    public required string LeaseId { get; init; }

    /// <summary>The TTL Vault granted at issue: the increment asked for on renewal.</summary>
    public required TimeSpan IssuedDuration { get; init; }

    /// <summary>The TTL of the latest issue or renewal.</summary>
    public required TimeSpan CurrentDuration { get; set; }

    public required DateTimeOffset ExpiresAt { get; set; }

    public required bool Renewable { get; set; }
}
