using System.Diagnostics;
using System.Text.Json;
using CsiDriver.Tests.Interop;

namespace CsiDriver.Tests.Providers.Plugins;

/// <summary>
/// tests/interop/plugin-server.js as a real child process: a grpc-js provider plugin on a unix
/// socket (modes ok, error, grpcerror, hang), logging each Mount request it receives.
/// </summary>
public sealed class PluginServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private PluginServer(Process process, string socketPath, string logPath, Task<string> stderr)
    {
        _process = process;
        SocketPath = socketPath;
        LogPath = logPath;
        _stderr = stderr;
    }

    public string SocketPath { get; }

    public string LogPath { get; }

    public static async Task<PluginServer> StartAsync(string socketPath, string mode, string? logPath = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        logPath ??= socketPath + "." + Guid.NewGuid().ToString("N") + ".requests.jsonl";
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(NodeInterop.Script("plugin-server.js"));
        start.ArgumentList.Add(socketPath);
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(logPath);
        var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    await process.WaitForExitAsync(timeout.Token);
                    throw new Xunit.Sdk.XunitException($"plugin-server.js exited with {process.ExitCode} before listening: {await stderr}");
                }

                if (line.Trim() == "LISTENING")
                {
                    return new PluginServer(process, socketPath, logPath, stderr);
                }
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw new Xunit.Sdk.XunitException("plugin-server.js did not print LISTENING within 30 s");
        }
    }

    /// <summary>Every Mount request the plugin received, in order, as it decoded them.</summary>
    public IReadOnlyList<JsonElement> Requests() =>
        File.Exists(LogPath)
            ? File.ReadAllLines(LogPath).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList()
            : [];

    /// <summary>True once a Mount call was cancelled by its caller (deadline or reset), as grpc-js saw it.</summary>
    public bool SawMountCancelled => File.Exists(LogPath + ".cancelled");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await _stderr;
        _process.Dispose();
    }
}
