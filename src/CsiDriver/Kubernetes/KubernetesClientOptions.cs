namespace CsiDriver.Kubernetes;

/// <summary>Timeouts, retries and pool size of the Kubernetes client.</summary>
public sealed class KubernetesClientOptions
{
    /// <summary>One attempt's deadline (headers and body).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts per call for 429, 5xx, timeouts and connection failures (1 = no retry).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First backoff; doubles per attempt, with +-50% jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest <c>Retry-After</c> honoured; longer waits are cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts of a read-modify-write when the server reports a stale resourceVersion.</summary>
    public int MaxConflictAttempts { get; set; } = 5;

    /// <summary>Bounded pool: one driver per node must not open unbounded connections to the API server.</summary>
    public int MaxConnectionsPerServer { get; set; } = 4;

    /// <summary>Largest response body read; protects memory against a huge object.</summary>
    public long MaxResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>The User-Agent header.</summary>
    public string UserAgent { get; set; } = "csi-secrets-store/driver";
}
