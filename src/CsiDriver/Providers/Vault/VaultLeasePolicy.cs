namespace CsiDriver.Providers.Vault;

/// <summary>
/// When a held Vault lease is reused, renewed or replaced: shared by the CSI provider's per-volume leases and the
/// External Secrets <c>VaultDynamicSecret</c> generator's per-ExternalSecret leases, so both behave alike.
/// </summary>
internal static class VaultLeasePolicy
{
    /// <summary>A lease is reused without renewal while more than this fraction of its current TTL remains.</summary>
    public const double ReuseFraction = 1.0 / 3.0;

    /// <summary>Below this a lease is treated as expired: renewing it races its end.</summary>
    public static readonly TimeSpan MinimumRemaining = TimeSpan.FromSeconds(5);

    /// <summary>True while the lease needs no renewal yet.</summary>
    public static bool IsFresh(TimeSpan remaining, TimeSpan currentDuration) =>
        remaining > currentDuration * ReuseFraction && remaining > MinimumRemaining;

    /// <summary>When a lease stops being fresh and wants renewing (two thirds into its current TTL).</summary>
    public static DateTimeOffset RenewAt(DateTimeOffset expiresAt, TimeSpan currentDuration)
    {
        var margin = currentDuration * ReuseFraction;
        return expiresAt - (margin > MinimumRemaining ? margin : MinimumRemaining);
    }

    /// <summary>
    /// Whether a renewal that granted <paramref name="granted"/> keeps the lease worth holding. Vault caps renewals at
    /// the max TTL; a lease that can only be stretched a little would need renewing again at once and then die, so it
    /// is replaced while the old one still works.
    /// </summary>
    public static bool IsUsefulRenewal(TimeSpan granted, TimeSpan issuedDuration) =>
        granted >= issuedDuration * ReuseFraction && granted > MinimumRemaining;
}
