using System.Globalization;

namespace CsiDriver.Benchmarks;

/// <summary>
/// What the driver's threads spend per cycle, read from /proc before and after a run, with no tracer attached, so
/// the run goes at full speed: context switches (voluntary and involuntary, summed over /proc/PID/task/*/status;
/// each hand-off between threads, a socket event to a worker or a stream to the frame writer, is a switch on each
/// side, which syscall counts alone hide) and CPU time in user space and in the kernel (/proc/PID/stat). CPU time
/// is the steadiest figure on a shared machine: it does not count the time a thread waits for a core.
/// </summary>
internal static class ThreadCost
{
    // /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 for user space on every architecture.
    private const double MsPerTick = 10;

    public static async Task<CostPerCycle> PerCycleAsync(int driverPid, int cycles, Func<int, Task> runCycles)
    {
        var switchesBefore = Switches(driverPid);
        var (userBefore, systemBefore) = CpuTicks($"/proc/{driverPid}/stat");
        await runCycles(cycles);
        var (user, system) = CpuTicks($"/proc/{driverPid}/stat");
        return new((Switches(driverPid) - switchesBefore) / (double)cycles, (user - userBefore) * MsPerTick / cycles, (system - systemBefore) * MsPerTick / cycles);
    }

    /// <summary>CPU time (ms) the calling thread spends in <paramref name="work"/>, which must not leave the thread.</summary>
    public static (T Result, double UserMs, double SystemMs) OnThisThread<T>(Func<T> work)
    {
        var (userBefore, systemBefore) = CpuTicks("/proc/thread-self/stat");
        var result = work();
        var (user, system) = CpuTicks("/proc/thread-self/stat");
        return (result, (user - userBefore) * MsPerTick, (system - systemBefore) * MsPerTick);
    }

    private static (long User, long System) CpuTicks(string statFile)
    {
        // After the command name, which may hold spaces and parentheses: field 3 (state) first, utime and stime 14 and 15.
        var stat = File.ReadAllText(statFile);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture));
    }

    private static long Switches(int pid)
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

/// <summary>Per cycle: context switches, and CPU milliseconds in user space and in the kernel.</summary>
internal sealed record CostPerCycle(double Switches, double UserMs, double SystemMs);
