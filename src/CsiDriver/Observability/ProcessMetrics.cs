using System.Diagnostics;
using System.Runtime;

namespace CsiDriver.Observability;

/// <summary>
/// The process's own health as gauges read at scrape time: the Prometheus client conventions
/// (<c>process_*</c>) and the .NET runtime's heap and JIT figures (<c>dotnet_*</c>), so an operator sees what
/// the driver costs each node and a memory regression shows before a node does.
/// </summary>
internal static class ProcessMetrics
{
    private static readonly double StartTime = ReadStartTime();

    public static void Register(MetricsRegistry registry)
    {
        registry.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => Environment.WorkingSet);
        registry.Gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, seconds.", () => StartTime);
        registry.Gauge("process_open_fds", "Open file descriptors.", OpenFileDescriptors);
        registry.Gauge("dotnet_gc_heap_size_bytes", "Managed heap size after the last garbage collection, bytes.", () => GC.GetGCMemoryInfo().HeapSizeBytes);
        registry.Gauge("dotnet_gc_committed_bytes", "Memory the garbage collector has committed, bytes.", () => GC.GetGCMemoryInfo().TotalCommittedBytes);
        registry.Gauge("dotnet_gc_allocated_bytes", "Bytes allocated on the managed heap since start (a counter in effect).", () => GC.GetTotalAllocatedBytes());
        registry.Gauge("dotnet_jit_compiled_methods", "Methods the JIT has compiled since start (a counter in effect).", () => System.Runtime.JitInfo.GetCompiledMethodCount());
        registry.Gauge("dotnet_jit_compiled_il_bytes", "IL bytes the JIT has compiled since start (a counter in effect).", () => System.Runtime.JitInfo.GetCompiledILBytes());
    }

    private static double ReadStartTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.StartTime.ToUniversalTime().Subtract(DateTime.UnixEpoch).TotalSeconds;
    }

    private static double OpenFileDescriptors()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}
