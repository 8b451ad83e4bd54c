using CsiDriver.Http;

namespace CsiDriver.Kubernetes;

/// <summary>Timeouts, retries and pool size of the Kubernetes client.</summary>
public sealed class KubernetesClientOptions
{
    /// <summary>One attempt's deadline (headers and body).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Retries of 429, 5xx, timeouts and connection failures: a doubling backoff with +-50% jitter; a
    /// <c>Retry-After</c> replaces it, cut to the longest honoured.
    /// </summary>
    public RetrySettings Retry { get; set; } = new()
    {
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(200),
        MaxDelay = TimeSpan.FromSeconds(5),
        MaxRetryAfter = TimeSpan.FromSeconds(10),
    };

    /// <summary>Attempts of a read-modify-write when the server reports a stale resourceVersion.</summary>
    public int MaxConflictAttempts { get; set; } = 5;

    /// <summary>Bounded pool: one driver per node must not open unbounded connections to the API server.</summary>
    public int MaxConnectionsPerServer { get; set; } = 4;

    /// <summary>Largest response body read; protects memory against a huge object.</summary>
    public long MaxResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>The User-Agent header.</summary>
    public string UserAgent { get; set; } = "csi-secrets-store/driver";
}
