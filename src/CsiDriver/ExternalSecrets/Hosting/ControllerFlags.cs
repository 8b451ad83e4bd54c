using CsiDriver.Hosting;
using static CsiDriver.Hosting.CommandLineFlags;

namespace CsiDriver.ExternalSecrets.Hosting;

/// <summary>
/// The <c>controller</c> subcommand's flags, named as the External Secrets Operator's and controller-runtime's
/// where they exist. Same syntax as the driver's flags: <c>--name=value</c>, <c>--name value</c>, bare booleans.
/// </summary>
public static class ControllerFlags
{
    public static readonly IReadOnlyList<CommandLineFlag<ControllerOptions>> All =
    [
        new("kubeconfig", "kubeconfig file for the Kubernetes API (default: $KUBECONFIG, else in-cluster config)", o => o.Kubeconfig ?? string.Empty, (o, v) => o.Kubeconfig = Empty(v)),
        new("metrics-addr", "address for /metrics, /healthz and /readyz (host:port or :port; empty disables)", o => o.MetricsAddr, (o, v) => o.MetricsAddr = Address(v)),
        new("leader-elect", "run only while holding the leader lease, so one of several replicas reconciles", o => Bool(o.LeaderElect), (o, v) => o.LeaderElect = ParseBool(v), IsBool: true),
        new("leader-election-namespace", "namespace of the leader Lease (default: the namespace the controller runs in)", o => o.LeaderElectionNamespace ?? string.Empty, (o, v) => o.LeaderElectionNamespace = Name(v, "namespace")),
        new("leader-election-id", "name of the leader Lease", o => o.LeaderElectionId, (o, v) => o.LeaderElectionId = Name(v, "lease name")!),
        new("leader-election-lease-duration", "how long a lease holds without renewal before another replica may take it (Go duration)", o => GoDuration.Format(o.LeaseDuration), (o, v) => o.LeaseDuration = Positive(GoDuration.Parse(v))),
        new("leader-election-renew-deadline", "how long the leader keeps trying to renew before it steps down (Go duration)", o => GoDuration.Format(o.RenewDeadline), (o, v) => o.RenewDeadline = Positive(GoDuration.Parse(v))),
        new("leader-election-retry-period", "how often candidates try to acquire and the leader renews (Go duration)", o => GoDuration.Format(o.RetryPeriod), (o, v) => o.RetryPeriod = Positive(GoDuration.Parse(v))),
        new("namespace", "watch and reconcile only this namespace (default: all namespaces)", o => o.Namespace ?? string.Empty, (o, v) => o.Namespace = Name(v, "namespace")),
        new("concurrent", "reconcile workers per kind", o => Str(o.Concurrent), (o, v) => o.Concurrent = Count(v)),
        new("controller-class", "handle only stores whose spec.controller is empty or this class", o => o.ControllerClass, (o, v) => o.ControllerClass = NonEmpty(v)),
        new("find-max-keys", "the most provider secrets one dataFrom[].find may return; more is an error", o => Str(o.FindMaxKeys), (o, v) => o.FindMaxKeys = int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture) is var n and > 0 ? n : throw new FormatException("must be positive")),
        new("log-format-json", "log as JSON lines", o => Bool(o.LogFormatJson), (o, v) => o.LogFormatJson = ParseBool(v), IsBool: true),
        new("v", "log verbosity (0-5; 5 logs every call)", o => Str(o.Verbosity), (o, v) => o.Verbosity = int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture)),
        new("shutdown-timeout", "how long SIGTERM waits for reconciles in flight (Go duration)", o => GoDuration.Format(o.ShutdownTimeout), (o, v) => o.ShutdownTimeout = Positive(GoDuration.Parse(v))),
        new("help", "print this help and exit", o => Bool(o.ShowHelp), (o, v) => o.ShowHelp = ParseBool(v), IsBool: true),
    ];

    /// <summary>Parses the arguments after <c>controller</c>; bad input is an <see cref="ArgumentException"/> with a message for the user.</summary>
    public static ControllerOptions Parse(IReadOnlyList<string> args)
    {
        var options = CommandLineFlags.Parse(args, All, " for 'controller' (see controller --help)");
        if (options.RenewDeadline >= options.LeaseDuration)
        {
            throw new ArgumentException("--leader-election-renew-deadline must be shorter than --leader-election-lease-duration");
        }

        if (options.RetryPeriod >= options.RenewDeadline)
        {
            throw new ArgumentException("--leader-election-retry-period must be shorter than --leader-election-renew-deadline");
        }

        return options;
    }

    public static string Help() => CommandLineFlags.Help(
        """
        Usage: csi-secrets-store controller [flags]

        Runs the External Secrets controller: reconciles ExternalSecret, SecretStore and ClusterSecretStore
        objects (group external-secrets.io) into Kubernetes Secrets.

        Flags:

        """,
        All,
        name => name == "help");

    private static string NonEmpty(string value) => value.Length > 0 ? value : throw new FormatException("must not be empty");

    private static string? Name(string value, string what) =>
        value.Length == 0 ? null : CsiDriver.Kubernetes.KubernetesNames.IsValid(value) ? value : throw new FormatException($"not a valid Kubernetes {what}");

    private static string Address(string value)
    {
        MetricsEndpointAddress.Parse(value);
        return value;
    }

    private static TimeSpan Positive(TimeSpan value) => value > TimeSpan.Zero ? value : throw new FormatException("must be positive");

    private static int Count(string value) =>
        int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) is var n and > 0 and <= 1000 ? n : throw new FormatException("must be between 1 and 1000");
}
