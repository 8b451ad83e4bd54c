using System.Diagnostics;
using System.Globalization;

namespace CsiDriver.Benchmarks;

/// <summary>
/// Syscalls the driver makes per publish+unpublish cycle, counted by <c>strace -f -c</c> attached to every
/// thread of the driver: once over a fixed number of cycles at concurrency 1, once over an idle window of the
/// same length (timers, the metrics sampler), and the difference divided by the cycles. Null when strace is
/// not installed.
/// </summary>
internal static class SyscallCount
{
    /// <summary>Rounds per figure: one strace window swings by several calls per cycle, the median of three much less.</summary>
    private const int Rounds = 3;

    /// <summary>The median of <see cref="Rounds"/> rounds, with the lowest and highest per-cycle totals seen.</summary>
    public static async Task<SyscallFigures?> MeasureAsync(int driverPid, int cycles, Func<int, Task> runCycles)
    {
        if (FindStrace() is not { } strace)
        {
            return null;
        }

        var rounds = new List<SyscallFigures>(Rounds);
        for (var i = 0; i < Rounds; i++)
        {
            rounds.Add(await MeasureOnceAsync(strace, driverPid, cycles, runCycles));
        }

        var sorted = rounds.OrderBy(r => r.PerCycle).ToList();
        return sorted[Rounds / 2] with { Lowest = sorted[0].PerCycle, Highest = sorted[^1].PerCycle };
    }

    private static async Task<SyscallFigures> MeasureOnceAsync(string strace, int driverPid, int cycles, Func<int, Task> runCycles)
    {
        var clock = Stopwatch.StartNew();
        var busy = await TraceAsync(strace, driverPid, () => runCycles(cycles));
        var window = clock.Elapsed;
        var idle = await TraceAsync(strace, driverPid, () => Task.Delay(window));
        var perCycle = busy.Keys.Union(idle.Keys)
            .Select(name => (Name: name, Calls: (busy.GetValueOrDefault(name) - idle.GetValueOrDefault(name)) / (double)cycles))
            .Where(s => s.Name != "total")
            .OrderByDescending(s => s.Calls)
            .ToList();
        return new SyscallFigures(
            (busy.GetValueOrDefault("total") - idle.GetValueOrDefault("total")) / (double)cycles,
            cycles,
            idle.GetValueOrDefault("total"),
            perCycle);
    }

    /// <summary>Runs <paramref name="work"/> with strace attached to every thread; returns calls per syscall name.</summary>
    private static async Task<Dictionary<string, long>> TraceAsync(string strace, int pid, Func<Task> work)
    {
        var output = Path.GetTempFileName();
        var start = new ProcessStartInfo(strace) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-f", "-c", "-o", output, "-p", pid.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var tracer = Process.Start(start)!;
        try
        {
            // strace says "Process N attached with M threads" once it holds every thread; counting starts then.
            var attached = false;
            while (!attached && await tracer.StandardError.ReadLineAsync() is { } line)
            {
                attached = line.Contains("attached", StringComparison.Ordinal);
            }

            if (!attached)
            {
                throw new InvalidOperationException($"strace could not attach to the driver (pid {pid}); is ptrace allowed here?");
            }

            await work();
        }
        finally
        {
            using var interrupt = Process.Start("kill", ["-INT", tracer.Id.ToString(CultureInfo.InvariantCulture)]);
            await interrupt.WaitForExitAsync();
            _ = tracer.StandardError.ReadToEndAsync();
            await tracer.WaitForExitAsync();
        }

        var counts = Parse(await File.ReadAllLinesAsync(output));
        File.Delete(output);
        return counts;
    }

    /// <summary>Reads the table of <c>strace -c</c>: % time, seconds, usecs/call, calls, [errors], syscall.</summary>
    private static Dictionary<string, long> Parse(IEnumerable<string> lines)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _) &&
                long.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var calls))
            {
                counts[fields[^1]] = counts.GetValueOrDefault(fields[^1]) + calls;
            }
        }

        return counts;
    }

    private static string? FindStrace() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Select(folder => Path.Combine(folder, "strace"))
            .FirstOrDefault(File.Exists);
}

/// <summary>Syscalls per cycle (net of the idle baseline), the cycles traced, the idle window's calls, and the per-name split.</summary>
internal sealed record SyscallFigures(double PerCycle, int Cycles, long IdleCalls, IReadOnlyList<(string Name, double Calls)> PerName)
{
    /// <summary>The range of the rounds' per-cycle totals this figure is the median of.</summary>
    public double Lowest { get; init; } = PerCycle;

    public double Highest { get; init; } = PerCycle;
}
