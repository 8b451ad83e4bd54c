using static CsiDriver.Hosting.CommandLineFlags;

namespace CsiDriver.Hosting;

/// <summary>
/// The command-line flags, upstream's names first. Go-style: <c>--name=value</c>, <c>--name value</c>,
/// one or two dashes, bare booleans. The table is also the source of <c>--help</c> and the docs.
/// </summary>
public static class DriverFlags
{
    public static readonly IReadOnlyList<CommandLineFlag<DriverOptions>> All =
    [
        new("endpoint", "CSI endpoint: unix:///path/csi.sock, unix://path or a plain path", o => o.Endpoint, (o, v) => o.Endpoint = v),
        new("drivername", "CSI driver name reported to kubelet", o => o.DriverName, (o, v) => o.DriverName = v),
        new("nodeid", "node id reported to kubelet (default: $NODE_NAME, else the host name)", o => o.NodeId, (o, v) => o.NodeId = v),
        new("state-dir", "folder for the node-local volume records (no secret values)", o => o.StateDir, (o, v) => o.StateDir = v),
        new("spc-dir", "read SecretProviderClass manifests from this folder instead of the Kubernetes API", o => o.SpcDir ?? string.Empty, (o, v) => o.SpcDir = Empty(v)),
        new("kubeconfig", "kubeconfig file for the Kubernetes API (default: $KUBECONFIG, else in-cluster config)", o => o.Kubeconfig ?? string.Empty, (o, v) => o.Kubeconfig = Empty(v)),
        new("local-store-root", "enable the 'local' provider, reading objects under this folder", o => o.LocalStoreRoot ?? string.Empty, (o, v) => o.LocalStoreRoot = Empty(v)),
        new("local-store-scope", "what a pod may read from the local store: 'namespace' (only <root>/<pod namespace>/) or 'node' (all of it)", o => o.LocalStoreScope, (o, v) => o.LocalStoreScope = Scope(v)),
        new("provider-volume", "folder of external provider plugin sockets (searched last)", o => o.ProviderVolume, (o, v) => o.ProviderVolume = v),
        new("additional-provider-volume-paths", "comma-separated folders of provider sockets, searched first", o => o.AdditionalProviderVolumePaths, (o, v) => o.AdditionalProviderVolumePaths = v),
        new("prefer-plugin-providers", "comma-separated built-in provider names to serve from a plugin socket instead", o => o.PreferPluginProviders, (o, v) => o.PreferPluginProviders = v),
        new("max-call-recv-msg-size", "largest gRPC message accepted, in bytes", o => Str(o.MaxCallRecvMsgSize), (o, v) => o.MaxCallRecvMsgSize = checked((int)Size(v))),
        new("max-object-bytes", "largest single object accepted from a provider, in bytes", o => Str(o.MaxObjectBytes), (o, v) => o.MaxObjectBytes = Size(v)),
        new("max-volume-bytes", "largest volume (all its files) and tmpfs size, in bytes", o => Str(o.MaxVolumeBytes), (o, v) => o.MaxVolumeBytes = Size(v)),
        new("max-volume-files", "most files in one volume", o => Str(o.MaxVolumeFiles), (o, v) => o.MaxVolumeFiles = checked((int)Size(v))),
        new("metrics-addr", "address for /metrics, /healthz and /readyz (host:port or :port; empty disables)", o => o.MetricsAddr, (o, v) => o.MetricsAddr = v),
        new("enable-secret-rotation", "re-fetch mounted volumes periodically", o => Bool(o.EnableSecretRotation), (o, v) => o.EnableSecretRotation = ParseBool(v), IsBool: true),
        new("rotation-poll-interval", "how often rotation re-fetches (Go duration, e.g. 2m)", o => GoDuration.Format(o.RotationPollInterval), (o, v) => o.RotationPollInterval = GoDuration.Parse(v)),
        new("rotation-max-concurrent-fetches", "volumes a rotation pass re-publishes at once", o => Str(o.RotationMaxConcurrentFetches), (o, v) => o.RotationMaxConcurrentFetches = Positive(v)),
        new("log-format-json", "log as JSON lines", o => Bool(o.LogFormatJson), (o, v) => o.LogFormatJson = ParseBool(v), IsBool: true),
        new("v", "log verbosity (0-5; 5 logs every call)", o => Str(o.Verbosity), (o, v) => o.Verbosity = int.Parse(v, CultureInfo.InvariantCulture)),
        new("shutdown-timeout", "how long SIGTERM waits for calls in flight (Go duration)", o => GoDuration.Format(o.ShutdownTimeout), (o, v) => o.ShutdownTimeout = GoDuration.Parse(v)),
        new("version", "print the version and exit", o => Bool(o.ShowVersion), (o, v) => o.ShowVersion = ParseBool(v), IsBool: true),
        new("help", "print this help and exit", o => Bool(o.ShowHelp), (o, v) => o.ShowHelp = ParseBool(v), IsBool: true),
    ];

    public static DriverOptions Parse(IReadOnlyList<string> args) => CommandLineFlags.Parse(args, All, " (see --help)");

    public static string Help() =>
        CommandLineFlags.Help("Usage: csi-secrets-store [flags]\n\nFlags:\n", All, name => name is "nodeid" or "help" or "version");

    private static string Scope(string value) =>
        value is "namespace" or "node" ? value : throw new FormatException("use 'namespace' or 'node'");

    private static int Positive(string value) =>
        int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) is var n and > 0 ? n : throw new FormatException("must be at least 1");

    private static long Size(string value) => long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
}
