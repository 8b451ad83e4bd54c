using CsiDriver.Demo;
using CsiDriver.Hosting;

namespace CsiDriver;

/// <summary>Entry point: parse flags, run the driver until SIGTERM/SIGINT, run the External Secrets controller, or run the local demo.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "demo":
                return await LocalDemo.RunAsync(Console.Out, CancellationToken.None).ConfigureAwait(false);
            case "controller":
                return await ExternalSecrets.Hosting.ControllerCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
        }

        DriverOptions options;
        try
        {
            options = DriverFlags.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }

        if (options.ShowHelp)
        {
            Console.Write(DriverFlags.Help());
            return 0;
        }

        if (options.ShowVersion)
        {
            Console.WriteLine($"{{\"BuildVersion\":\"{DriverVersion.Current}\"}}");
            return 0;
        }

        using var signals = new StopSignals();
        DriverHost host;
        try
        {
            host = await DriverHost.StartAsync(options, cancellationToken: signals.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
        {
            await Console.Error.WriteLineAsync($"csi-secrets-store: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        // Start-up (DI, binding the gRPC services, routing) leaves ~10 MB of garbage whose GC regions stay
        // committed for the life of the process; one aggressive collection returns them before the long idle.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        await signals.HoldAsync(host).ConfigureAwait(false);
        return 0;
    }
}
