namespace CsiDriver.Providers.Plugins;

/// <summary>Where provider plugin sockets are found and how they are called.</summary>
public sealed class PluginOptions
{
    /// <summary>The protocol version the driver speaks and sends in the Version handshake.</summary>
    public const string ProtocolVersion = "v1alpha1";

    /// <summary>
    /// Folders searched in order for <c>&lt;provider&gt;.sock</c>: each <c>--additional-provider-volume-paths</c>
    /// entry, then <c>--provider-volume</c> (upstream's order; the first folder holding the socket wins).
    /// </summary>
    public IReadOnlyList<string> SearchFolders { get; init; } = ["/etc/kubernetes/secrets-store-csi-providers", "/var/run/secrets-store-csi-providers"];

    /// <summary>Largest Mount response accepted (<c>--max-call-recv-msg-size</c>).</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Cap on one Mount call. Upstream has none of its own and inherits kubelet's NodePublish
    /// deadline (about 2 minutes); the cap matters for rotation, which has no kubelet deadline.
    /// </summary>
    public TimeSpan MountTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Cap on the Version handshake (upstream's health check uses 5 s).</summary>
    public TimeSpan VersionTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Built-in provider names the operator wants served by a plugin instead (<c>--prefer-plugin-providers</c>).</summary>
    public IReadOnlySet<string> PreferredPlugins { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The search folders from the two upstream flags: additional paths (comma list) first, the provider volume last.</summary>
    public static IReadOnlyList<string> FoldersFrom(string additionalProviderVolumePaths, string providerVolume) =>
        [.. SplitList(additionalProviderVolumePaths), .. SplitList(providerVolume)];

    /// <summary>Splits a comma-separated flag value, trimming entries and dropping empty ones.</summary>
    public static IReadOnlyList<string> SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
