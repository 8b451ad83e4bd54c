using CsiDriver.Rotation;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Rotation;

/// <summary>
/// Drives the real rotation loop from a test through what it logs: it logs when it starts to sleep (after its
/// timer exists, so a moved clock is never missed) and what each pass did, so a test moves the clock once the
/// loop sleeps and reads the pass that caused from its log line.
/// </summary>
internal sealed class RotationLoopWatch(CapturingLoggerProvider logs, ManualTimeProvider clock)
{
    private const int PassCompleted = 701;
    private const int Sleeping = 712;
    private int _sleepsSeen;

    /// <summary>Whether the loop ever slept (it runs only with rotation on).</summary>
    public bool EverSlept => logs.Events(Sleeping).Count > 0;

    /// <summary>Waits for the loop to sleep again since the last pass this watch caused.</summary>
    public async Task WaitForSleepAsync()
    {
        await Eventually.TrueAsync(() => logs.Events(Sleeping).Count > _sleepsSeen, because: "the rotation loop to sleep");
        _sleepsSeen = logs.Events(Sleeping).Count;
    }

    /// <summary>Moves the clock by <paramref name="advance"/> once the loop sleeps, and waits for the pass that causes.</summary>
    public async Task<RotationPassResult> NextPassAsync(TimeSpan advance)
    {
        await WaitForSleepAsync();
        var passes = logs.Events(PassCompleted).Count;
        clock.Advance(advance);
        return await PassAfterAsync(passes);
    }

    /// <summary>The first pass logged after <paramref name="passes"/> passes.</summary>
    public async Task<RotationPassResult> PassAfterAsync(int passes)
    {
        await Eventually.TrueAsync(() => logs.Events(PassCompleted).Count > passes, because: "a rotation pass");
        var pass = logs.Events(PassCompleted)[passes];
        return new RotationPassResult(
            (int)pass["Volumes"]!,
            (int)pass["Fetched"]!,
            (int)pass["Rotated"]!,
            (int)pass["Failed"]!,
            (int)pass["Skipped"]!,
            (int)pass["NotDue"]!,
            (long)pass["BackendReads"]!,
            (long)pass["SharedReads"]!,
            TimeSpan.FromMilliseconds((double)pass["ElapsedMs"]!));
    }

    /// <summary>How many passes were logged so far.</summary>
    public int Passes => logs.Events(PassCompleted).Count;
}
