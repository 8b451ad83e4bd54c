using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Benchmarks.Loopback;

/// <summary>
/// A Vault on loopback answering every call after a fixed delay: Kubernetes-auth login (any JWT) and KV v2 reads of
/// <c>secret/data/*</c>, with a token it issued or the static <see cref="StaticToken"/>. Each value is
/// <c>{"value":"value-of-&lt;path&gt;"}</c>. Counts logins and reads (in total and per path).
/// </summary>
internal sealed class LoopbackVault : IAsyncDisposable
{
    public const string StaticToken = "bench-static-token";
    private const string KvPrefix = "/v1/secret/data/";
    private readonly TimeSpan _delay;
    private readonly ConcurrentDictionary<string, int> _readsByPath = new(StringComparer.Ordinal);
    private LoopbackServer _server = null!;
    private int _logins;
    private int _reads;
    private long _answerTicks;
    private long _answers;

    private LoopbackVault(TimeSpan delay) => _delay = delay;

    public Uri Address => _server.Address;

    public int Logins => Volatile.Read(ref _logins);

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>How many distinct paths were read since the last <see cref="ResetPerPath"/>.</summary>
    public int DistinctPathsRead => _readsByPath.Count;

    /// <summary>How long the backend's delay really took (timer resolution and machine load stretch it).</summary>
    public double MeanAnswerMs => TimeSpan.FromTicks(Interlocked.Read(ref _answerTicks) / Math.Max(1, Interlocked.Read(ref _answers))).TotalMilliseconds;

    public static async Task<LoopbackVault> StartAsync(TimeSpan delay)
    {
        var vault = new LoopbackVault(delay);
        vault._server = await LoopbackServer.StartAsync(vault.HandleAsync);
        return vault;
    }

    public void ResetAnswerTime()
    {
        Interlocked.Exchange(ref _answerTicks, 0);
        Interlocked.Exchange(ref _answers, 0);
    }

    public void ResetPerPath() => _readsByPath.Clear();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(_delay, context.RequestAborted);
        Interlocked.Add(ref _answerTicks, Stopwatch.GetElapsedTime(started).Ticks);
        Interlocked.Increment(ref _answers);
        var path = context.Request.Path.Value ?? string.Empty;
        context.Response.ContentType = "application/json";
        if (context.Request.Method == "POST" && path == "/v1/auth/kubernetes/login")
        {
            var n = Interlocked.Increment(ref _logins);
            await context.Response.WriteAsync($$$"""{"auth":{"client_token":"bench-token-{{{n}}}","lease_duration":3600,"renewable":true}}""");
            return;
        }

        var token = context.Request.Headers["X-Vault-Token"].ToString();
        if (context.Request.Method == "GET" && path.StartsWith(KvPrefix, StringComparison.Ordinal) &&
            (token == StaticToken || token.StartsWith("bench-token-", StringComparison.Ordinal)))
        {
            Interlocked.Increment(ref _reads);
            var key = path[KvPrefix.Length..];
            _readsByPath.AddOrUpdate(key, 1, (_, n) => n + 1);
            await context.Response.WriteAsync("{\"data\":{\"data\":{\"value\":\"value-of-" + key + "\"},\"metadata\":{\"version\":1}}}");
            return;
        }

        context.Response.StatusCode = 403;
        await context.Response.WriteAsync("""{"errors":["permission denied"]}""");
    }
}
