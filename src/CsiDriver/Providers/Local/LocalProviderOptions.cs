namespace CsiDriver.Providers.Local;

/// <summary>Options of the <c>local</c> provider.</summary>
public sealed class LocalProviderOptions
{
    /// <summary>The folder objects are read from (<c>--local-store-root</c>); null disables the provider.</summary>
    public string? Root { get; set; }

    /// <summary>Largest object read, checked before reading.</summary>
    public long MaxObjectBytes { get; set; } = 4 * 1024 * 1024;
}
