using System.Diagnostics;

namespace CsiDriver.Benchmarks;

/// <summary>
/// Starts the driver process the way the image runs it: the runtime settings the Dockerfile and DaemonSet set
/// (<see cref="ImageEnvironment"/>), and the build under test: the published image build when
/// <c>CSI_BENCH_DRIVER</c> names its folder (e.g. the ReadyToRun output of the Dockerfile's publish step),
/// otherwise the plain build next to the benchmark.
/// </summary>
internal static class DriverLauncher
{
    /// <summary>The runtime settings of the image (Dockerfile ENV, DaemonSet env), so figures match what ships.</summary>
    public static readonly IReadOnlyDictionary<string, string> ImageEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_GCgen0size"] = "200000", // hex; the native runtime ignores a "0x" prefix
        ["DOTNET_gcServer"] = "0",
    };

    public static string Description =>
        Environment.GetEnvironmentVariable("CSI_BENCH_DRIVER") is { Length: > 0 } folder ? $"published build in {folder}" : "plain build (set CSI_BENCH_DRIVER to a publish folder to measure the image build)";

    public static Process Start(IEnumerable<string> arguments)
    {
        var folder = Environment.GetEnvironmentVariable("CSI_BENCH_DRIVER") is { Length: > 0 } published ? published : AppContext.BaseDirectory;
        // The image runs the app host (its ENTRYPOINT); a self-contained build runs no other way.
        var host = Path.Combine(folder, "csi-secrets-store");
        var start = new ProcessStartInfo(File.Exists(host) ? host : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!File.Exists(host))
        {
            start.ArgumentList.Add(Path.Combine(folder, "csi-secrets-store.dll"));
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in ImageEnvironment)
        {
            start.Environment.TryAdd(name, value);
        }

        return Process.Start(start)!;
    }
}
