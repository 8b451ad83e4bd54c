namespace CsiDriver.Providers.Vault;

/// <summary>Node-wide options of the <c>vault</c> provider (the upstream provider's flags and environment).</summary>
public sealed class VaultProviderOptions
{
    /// <summary>Used when a class sets no <c>vaultAddress</c>: <c>VAULT_ADDR</c>, else Vault's own default.</summary>
    public string DefaultAddress { get; set; } = "https://127.0.0.1:8200";

    /// <summary>Used when a class sets no <c>vaultNamespace</c>: <c>VAULT_NAMESPACE</c>, else none.</summary>
    public string? DefaultNamespace { get; set; }

    /// <summary>The auth mount used when a class names none.</summary>
    public string DefaultAuthMount { get; set; } = "kubernetes";

    /// <summary>Largest Vault response body read; bigger answers fail the object as too large.</summary>
    public long MaxResponseBytes { get; set; } = 4 * 1024 * 1024 + 64 * 1024;

    /// <summary>Upper bound of one Vault HTTP call, on top of the caller's cancellation.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Key of the HMAC that turns content into a version for non-KV-v2 objects; random per process
    /// when null, so a version never lets anyone test guesses of a secret offline.
    /// </summary>
    public byte[]? VersionKey { get; set; }

    /// <summary>Reads the defaults the upstream provider takes from its environment.</summary>
    public static VaultProviderOptions FromEnvironment()
    {
        var options = new VaultProviderOptions { DefaultNamespace = ProviderParameters.NullIfEmpty(Environment.GetEnvironmentVariable("VAULT_NAMESPACE")) };
        options.DefaultAddress = ProviderParameters.NullIfEmpty(Environment.GetEnvironmentVariable("VAULT_ADDR")) ?? options.DefaultAddress;
        return options;
    }
}
