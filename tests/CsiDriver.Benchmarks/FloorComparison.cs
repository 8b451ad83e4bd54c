using System.Diagnostics;
using System.Globalization;

namespace CsiDriver.Benchmarks;

/// <summary>
/// Runs <see cref="SyscallFloor"/> in this process after the driver's runs and prints each driver figure as a
/// multiple of it, then the driver's syscalls per cycle (<see cref="SyscallCount"/>) against the floor's.
/// </summary>
internal static class FloorComparison
{
    /// <summary>Cycles traced for the syscall count: enough to drown per-run noise, few enough for strace's slowdown.</summary>
    private const int TracedCycles = 200;

    /// <param name="probe">One Identity/Probe call: the gRPC and hosting share of a call, with no pipeline below it.</param>
    public static async Task RunAsync(string work, int iterations, int driverPid, Func<int, Task> runSerialCycles, Func<Task> probe, IReadOnlyList<DriverRun> runs)
    {
        var (floor, floorUser, floorSystem) = ThreadCost.OnThisThread(() => SyscallFloor.Run(work, iterations));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"floor ({SyscallFloor.SyscallsPerCycle} raw syscalls per cycle, this process, {iterations} iterations): publish p50 {P(floor.Publish, 0.50):F3} ms, p99 {P(floor.Publish, 0.99):F3} ms; unpublish p50 {P(floor.Unpublish, 0.50):F3} ms, p99 {P(floor.Unpublish, 0.99):F3} ms; {floor.CyclesPerSecond:F0} cycles/s on one thread"));
        Console.WriteLine("driver / floor    publish p50  publish p99  unpublish p50  unpublish p99  cycles/s");
        foreach (var run in runs)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Name,-16} {Ratio(run.Publish, floor.Publish, 0.50),10:F1}x {Ratio(run.Publish, floor.Publish, 0.99),10:F1}x {Ratio(run.Unpublish, floor.Unpublish, 0.50),12:F1}x {Ratio(run.Unpublish, floor.Unpublish, 0.99),12:F1}x {run.CyclesPerSecond / floor.CyclesPerSecond,8:F2}x"));
        }

        // The round trip with nothing behind it: what gRPC, HTTP/2 and this client cost per call before the pipeline does anything.
        var probeTimes = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await probe();
            probeTimes[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        // Two probes per "cycle" stand for the two calls of a cycle: what the server costs with no pipeline.
        async Task RunProbeCycles(int cycles)
        {
            for (var i = 0; i < 2 * cycles; i++)
            {
                await probe();
            }
        }

        var cycleCost = await ThreadCost.PerCycleAsync(driverPid, iterations, runSerialCycles);
        var probeCost = await ThreadCost.PerCycleAsync(driverPid, iterations, RunProbeCycles);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gRPC round trip alone (Identity/Probe, concurrency 1, {iterations} calls): p50 {P(probeTimes, 0.50):F3} ms, p99 {P(probeTimes, 0.99):F3} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"driver context switches per publish+unpublish cycle (concurrency 1, {iterations} cycles): {cycleCost.Switches:F1}, of which 2 x Identity/Probe: {probeCost.Switches:F1}; floor 0"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"driver CPU per publish+unpublish cycle (same runs): user {cycleCost.UserMs:F3} ms, kernel {cycleCost.SystemMs:F3} ms; 2 x Identity/Probe: user {probeCost.UserMs:F3} ms, kernel {probeCost.SystemMs:F3} ms; floor: user {floorUser / iterations:F3} ms, kernel {floorSystem / iterations:F3} ms"));

        var syscalls = await SyscallCount.MeasureAsync(driverPid, TracedCycles, runSerialCycles);
        if (syscalls is null)
        {
            Console.WriteLine("syscalls per cycle: strace not installed (apt-get install -y strace), not counted");
            return;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"syscalls per publish+unpublish cycle: driver {syscalls.PerCycle:F1} (median of 3 rounds, {syscalls.Lowest:F1}-{syscalls.Highest:F1}; each strace -f -c over {syscalls.Cycles} cycles at concurrency 1, minus an idle window of the same length: {syscalls.IdleCalls} calls), floor {SyscallFloor.SyscallsPerCycle}"));
        Console.WriteLine("  by name: " + ByName(syscalls));

        var probes = await SyscallCount.MeasureAsync(driverPid, TracedCycles, RunProbeCycles);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  of which gRPC and hosting (2 x Identity/Probe, counted the same way): {probes!.PerCycle:F1} ({probes.Lowest:F1}-{probes.Highest:F1}); the publish pipeline below NodeService: {syscalls.PerCycle - probes.PerCycle:F1}"));
        Console.WriteLine("  probes by name: " + ByName(probes));
    }

    private static string ByName(SyscallFigures figures) =>
        string.Join(", ", figures.PerName.Where(s => s.Calls >= 0.5).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.Calls:F1}")));

    private static double Ratio(double[] driver, double[] floor, double p) => P(driver, p) / P(floor, p);

    private static double P(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}

/// <summary>One of the driver's runs: per-cycle times (ms) and throughput.</summary>
internal sealed record DriverRun(string Name, double[] Publish, double[] Unpublish, double CyclesPerSecond);
