using System.Globalization;

namespace CsiDriver.Benchmarks;

/// <summary>
/// Context switches the driver's threads make per cycle: the sum of voluntary and involuntary switches over
/// /proc/PID/task/*/status, read before and after a run. Each hand-off between threads (a socket event to a
/// worker, a stream to the frame writer) is a switch on each side, so this counts what syscalls alone hide:
/// how often a call changes threads. No strace, so the run goes at full speed.
/// </summary>
internal static class ContextSwitches
{
    public static async Task<double> PerCycleAsync(int driverPid, int cycles, Func<int, Task> runCycles)
    {
        var before = Read(driverPid);
        await runCycles(cycles);
        return (Read(driverPid) - before) / (double)cycles;
    }

    private static long Read(int pid)
    {
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // A thread that ended between the listing and the read: its switches are gone with it.
            }
        }

        return total;
    }
}
