namespace CsiDriver.ExternalSecrets.Hosting;

/// <summary>The <c>controller</c> subcommand's settings, one property per flag.</summary>
public sealed class ControllerOptions
{
    public string? Kubeconfig { get; set; }

    /// <summary>Address for /metrics, /healthz and /readyz; empty disables the listener.</summary>
    public string MetricsAddr { get; set; } = ":8080";

    public bool LeaderElect { get; set; } = true;

    /// <summary>Namespace of the Lease; empty means the namespace the controller runs in.</summary>
    public string? LeaderElectionNamespace { get; set; }

    public string LeaderElectionId { get; set; } = "external-secrets-controller";

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Watch only this namespace; null watches all.</summary>
    public string? Namespace { get; set; }

    /// <summary>
    /// Reconcile workers per kind. More than the External Secrets Operator's 1: a reconcile waits on the API server and
    /// the backend, not the CPU, and one worker takes minutes to sync ten thousand ExternalSecrets after a restart.
    /// </summary>
    public int Concurrent { get; set; } = 4;

    /// <summary>Stores whose <c>spec.controller</c> is set to another class are left alone.</summary>
    public string ControllerClass { get; set; } = "default";

    /// <summary>The most provider secrets one <c>dataFrom[].find</c> may return.</summary>
    public int FindMaxKeys { get; set; } = 1000;

    public int Verbosity { get; set; }

    public bool LogFormatJson { get; set; }

    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool ShowHelp { get; set; }
}
