namespace CsiDriver.Rotation;

/// <summary>How the rotation loop runs; filled from the driver flags.</summary>
public sealed class RotationOptions
{
    /// <summary><c>--enable-secret-rotation</c>: the loop runs and kubelet republishes only fetch when due.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>--rotation-poll-interval</c>: the default interval of Periodic classes and the longest pause between passes.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary><c>--rotation-max-concurrent-fetches</c>: volumes re-published at once in a pass.</summary>
    public int MaxConcurrentFetches { get; set; } = 8;

    /// <summary>Each pause between passes is lengthened by up to this fraction, so nodes do not poll in step.</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>The shortest pause between passes, whatever a class asks for.</summary>
    public TimeSpan MinimumPause { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait after a backend failed (Unavailable/Timeout); doubles per failure, with jitter.</summary>
    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait before a failed backend is tried again.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>staleIfError cache bounds (memory only).</summary>
    public int StaleCacheMaxEntries { get; set; } = 1024;

    /// <summary>staleIfError cache bounds: the sum of cached file sizes.</summary>
    public long StaleCacheMaxBytes { get; set; } = 32L * 1024 * 1024;
}
