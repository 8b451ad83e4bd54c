using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CsiDriver.Benchmarks.Loopback;

/// <summary>
/// Waits of one fixed length that end when they say: a <c>Task.Delay(2)</c> on Linux lands at about 3 ms (the timer
/// rounds up to its 1 ms tick, then queues to the thread pool), which would bill the driver for the instrument.
/// One dedicated thread sleeps with <c>clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)</c> until the oldest wait's end
/// (tens of microseconds late, without spinning: a spinning thread slows the umount(2) the benchmark also measures)
/// and resumes the waiter itself. It asks for SCHED_FIFO where allowed (root), so the driver's load on the same cores
/// does not stretch a backend that, in a cluster, runs on its own machine; the waits measured are printed either way.
/// Every wait has the same length, so the ends arrive in order and a FIFO queue is the whole schedule.
/// </summary>
internal sealed partial class PreciseDelay : IDisposable
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsolute = 1;
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int SchedFifo = 1;

    private readonly long _delayTicks;
    private readonly Queue<(long Deadline, TaskCompletionSource Done)> _waits = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Thread _thread;
    private volatile bool _stopping;

    public PreciseDelay(TimeSpan delay)
    {
        // Stopwatch reads CLOCK_MONOTONIC on Linux, the clock the sleeps below are measured on.
        _delayTicks = (long)(delay.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { IsBackground = true, Name = "precise-delay" };
        _thread.Start();
    }

    /// <summary>Completes <c>delay</c> after the call; the waiter resumes on the delay's own thread (no thread-pool hop).</summary>
    public Task WaitAsync()
    {
        var done = new TaskCompletionSource();
        lock (_gate)
        {
            _waits.Enqueue((Stopwatch.GetTimestamp() + _delayTicks, done));
        }

        _queued.Release();
        return done.Task;
    }

    public void Dispose()
    {
        _stopping = true;
        _queued.Release();
        _thread.Join();
        _queued.Dispose();
    }

    private void Run()
    {
        // Failure (not root) leaves the thread at normal priority: the printed waits then show what load costs.
        _ = SchedSetScheduler(0, SchedFifo, new SchedParam(1));
        while (true)
        {
            _queued.Wait();
            if (_stopping)
            {
                return;
            }

            (long Deadline, TaskCompletionSource Done) next;
            lock (_gate)
            {
                next = _waits.Dequeue();
            }

            SleepUntil(next.Deadline);
            next.Done.SetResult();
        }
    }

    private static void SleepUntil(long stopwatchTimestamp)
    {
        var nanoseconds = (long)((double)stopwatchTimestamp / Stopwatch.Frequency * NanosecondsPerSecond);
        var until = new TimeSpec(nanoseconds / NanosecondsPerSecond, nanoseconds % NanosecondsPerSecond);
        while (ClockNanosleep(ClockMonotonic, TimerAbsolute, in until, IntPtr.Zero) is var error && error != 0)
        {
            const int interrupted = 4; // EINTR: sleep again to the same absolute end.
            if (error != interrupted)
            {
                throw new InvalidOperationException($"clock_nanosleep failed with error {error}");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "sched_setscheduler")]
    private static partial int SchedSetScheduler(int pid, int policy, in SchedParam param);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct SchedParam(int Priority);
}
