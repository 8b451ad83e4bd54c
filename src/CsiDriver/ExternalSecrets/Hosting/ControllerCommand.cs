using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Hosting;

/// <summary><c>csi-secrets-store controller [flags]</c>: parse, connect, run until SIGTERM/SIGINT, stop gracefully.</summary>
public static class ControllerCommand
{
    /// <summary>Exit codes: 0 after a clean stop or <c>--help</c>, 1 when it cannot start, 2 for bad flags.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ControllerOptions options;
        try
        {
            options = ControllerFlags.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"csi-secrets-store controller: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        if (options.ShowHelp)
        {
            await output.WriteAsync(ControllerFlags.Help()).ConfigureAwait(false);
            return 0;
        }

        KubernetesConnection? connection;
        try
        {
            connection = InClusterConfig.Resolve(options.Kubeconfig, Environment.GetEnvironmentVariable, TimeProvider.System);
        }
        catch (Exception ex) when (ex is KubernetesConfigException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"csi-secrets-store controller: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        if (connection is null)
        {
            await error.WriteLineAsync("csi-secrets-store controller: no Kubernetes API: pass --kubeconfig, set KUBECONFIG, or run in a pod").ConfigureAwait(false);
            return 1;
        }

        using var signals = new CsiDriver.Hosting.StopSignals();
        ControllerHost host;
        try
        {
            host = await ControllerHost.StartAsync(options, connection, configureLogging: null, configureServices: services => services.AddExternalSecretsReconciliation(options), signals.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
        {
            await error.WriteLineAsync($"csi-secrets-store controller: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        // Workers drain and the lease is released before the process exits.
        await signals.HoldAsync(host).ConfigureAwait(false);
        return 0;
    }
}
