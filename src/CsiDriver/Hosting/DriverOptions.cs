namespace CsiDriver.Hosting;

/// <summary>Everything the driver is configured with; filled from <see cref="DriverFlags"/>.</summary>
public sealed class DriverOptions
{
    public string Endpoint { get; set; } = "unix:///tmp/csi.sock";

    public string DriverName { get; set; } = "secrets-store.csi.k8s.io";

    public string NodeId { get; set; } = Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } node ? node : Environment.MachineName;

    public string StateDir { get; set; } = "/var/run/secrets-store-csi-driver/state";

    public string? SpcDir { get; set; }

    public string? LocalStoreRoot { get; set; }

    /// <summary><c>namespace</c>: pods read only <c>&lt;root&gt;/&lt;namespace&gt;/</c>; <c>node</c>: the whole root.</summary>
    public string LocalStoreScope { get; set; } = "namespace";

    /// <summary>Kubeconfig file; null means KUBECONFIG, else in-cluster, else no API.</summary>
    public string? Kubeconfig { get; set; }

    public string ProviderVolume { get; set; } = "/var/run/secrets-store-csi-providers";

    public string AdditionalProviderVolumePaths { get; set; } = "/etc/kubernetes/secrets-store-csi-providers";

    /// <summary>Comma-separated built-in provider names that go to a plugin socket instead.</summary>
    public string PreferPluginProviders { get; set; } = string.Empty;

    public int MaxCallRecvMsgSize { get; set; } = 4 * 1024 * 1024;

    public long MaxObjectBytes { get; set; } = 4 * 1024 * 1024;

    public long MaxVolumeBytes { get; set; } = 16 * 1024 * 1024;

    public int MaxVolumeFiles { get; set; } = 4096;

    /// <summary>Where /metrics, /healthz and /readyz are served: <c>:8095</c>, <c>127.0.0.1:8095</c>; empty disables.</summary>
    public string MetricsAddr { get; set; } = ":8095";

    public bool EnableSecretRotation { get; set; }

    public TimeSpan RotationPollInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many volumes a rotation pass re-publishes at once.</summary>
    public int RotationMaxConcurrentFetches { get; set; } = 8;

    public bool LogFormatJson { get; set; }

    public int Verbosity { get; set; }

    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool ShowVersion { get; set; }

    public bool ShowHelp { get; set; }
}
