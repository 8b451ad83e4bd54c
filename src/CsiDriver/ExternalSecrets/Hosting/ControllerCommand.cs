using System.Runtime.InteropServices;
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

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        ControllerHost host;
        try
        {
            host = await ControllerHost.StartAsync(options, connection, configureLogging: null, configureServices: services => services.AddExternalSecretsReconciliation(options), stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
        {
            await error.WriteLineAsync($"csi-secrets-store controller: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        await using (host.ConfigureAwait(false))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM or SIGINT: fall through to a graceful stop (workers drain, the lease is released).
            }
        }

        return 0;

        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
