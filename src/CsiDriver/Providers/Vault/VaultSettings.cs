namespace CsiDriver.Providers.Vault;

/// <summary>TLS options of one Vault connection; equal settings share one HttpClient.</summary>
internal sealed record VaultTlsSettings(
    string? CaCertPath,
    string? CaDirectory,
    string? ServerName,
    bool SkipVerify,
    string? ClientCertPath,
    string? ClientKeyPath)
{
    public static readonly VaultTlsSettings Default = new(null, null, null, false, null, null);

    /// <summary>PEM certificates given inline (an External Secrets store's <c>caBundle</c>), trusted like <see cref="CaCertPath"/>.</summary>
    public string? CaPem { get; init; }
}

/// <summary>A SecretProviderClass's Vault parameters, validated and defaulted.</summary>
internal sealed record VaultSettings(
    Uri Address,
    string? Namespace,
    string AuthMount,
    string RoleName,
    string Audience,
    VaultTlsSettings Tls,
    IReadOnlyList<VaultObject> Objects);
