using System.Globalization;

namespace CsiDriver.Benchmarks;

/// <summary>
/// Samples the driver's /proc/PID/status every 10 ms from start-up to the end of the runs and keeps the sample
/// with the highest VmRSS, so the peak can be split into anonymous memory (GC heap, thread stacks, native
/// allocations, the AOT image's rehydrated data) and file-backed pages (the executable and shared libraries),
/// and placed in a phase (start-up, warm-up, concurrency 1, concurrency 16). VmHWM alone says how high, not what.
/// </summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string _phase = "start-up";
    private Sample _peak = new("start-up", 0, 0, 0, 0);
    private int _maxThreads;

    public RssSampler(int pid)
    {
        _pid = pid;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Names the phase later samples belong to.</summary>
    public void Enter(string phase) => Volatile.Write(ref _phase, phase);

    /// <summary>Stops sampling and describes the peak.</summary>
    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return string.Create(CultureInfo.InvariantCulture,
            $"driver RSS peak (sampled every 10 ms): {Mib(_peak.Rss)} MiB during {_peak.Phase}: anonymous {Mib(_peak.Anon)} MiB (GC heap, stacks, native, AOT rehydrated data), file-backed {Mib(_peak.File)} MiB (executable, libraries); {_peak.Threads} threads then, {_maxThreads} at most");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        do
        {
            if (Read() is not { } sample)
            {
                return;
            }

            _maxThreads = Math.Max(_maxThreads, sample.Threads);
            if (sample.Rss > _peak.Rss)
            {
                _peak = sample;
            }
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private Sample? Read()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{_pid}/status");
        }
        catch (IOException)
        {
            return null; // the driver exited
        }

        long Field(string name) =>
            lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal)) is { } line
                ? long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
                : 0;

        return new Sample(Volatile.Read(ref _phase), Field("VmRSS"), Field("RssAnon"), Field("RssFile"), (int)Field("Threads"));
    }

    private static string Mib(long kib) => (kib / 1024.0).ToString("F1", CultureInfo.InvariantCulture);

    private sealed record Sample(string Phase, long Rss, long Anon, long File, int Threads);
}
