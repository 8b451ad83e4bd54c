using System.Collections.Concurrent;
using System.Diagnostics;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>The real driver executable as a child process, for signal, restart and crash tests.</summary>
public sealed class DriverProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DriverProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static DriverProcess Start(params string[] args)
    {
        var dll = typeof(CsiDriver.Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new DriverProcess(Process.Start(start)!);
    }

    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => Output.Contains(text, StringComparison.Ordinal) || _process.HasExited, timeout, $"'{text}' in driver output")
            .ContinueWith(t =>
            {
                t.GetAwaiter().GetResult();
                if (!Output.Contains(text, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"driver exited ({_process.ExitCode}) without printing '{text}':\n{Output}");
                }
            }, TaskScheduler.Default);

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}")!;
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
