using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Benchmarks.Loopback;

/// <summary>
/// A Vault on loopback answering every call after a fixed delay: Kubernetes-auth login (any JWT) and KV v2 reads of
/// <c>secret/data/*</c>, with a token it issued or the static <see cref="StaticToken"/>. Each value is
/// <c>{"value":"value-of-&lt;path&gt;"}</c>. Counts logins and reads (in total and per path), and keeps when each call
/// arrived and was answered so a benchmark can say where a publish spent its time.
/// </summary>
internal sealed class LoopbackVault : IAsyncDisposable
{
    public const string StaticToken = "bench-static-token";
    private const string KvPrefix = "/v1/secret/data/";
    private readonly PreciseDelay _delay;
    private readonly ConcurrentDictionary<string, int> _readsByPath = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<VaultCall> _calls = new();
    private LoopbackServer _server = null!;
    private int _logins;
    private int _reads;
    private long _answerTicks;
    private long _answers;

    private LoopbackVault(TimeSpan delay) => _delay = new PreciseDelay(delay);

    public Uri Address => _server.Address;

    public int Logins => Volatile.Read(ref _logins);

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>How many distinct paths were read since the last <see cref="ResetPerPath"/>.</summary>
    public int DistinctPathsRead => _readsByPath.Count;

    /// <summary>How long the backend's delay really took (machine load stretches it), so a reader can check the instrument.</summary>
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

    /// <summary>The calls answered since the last take, oldest first.</summary>
    public IReadOnlyList<VaultCall> TakeCalls()
    {
        var calls = new List<VaultCall>();
        while (_calls.TryDequeue(out var call))
        {
            calls.Add(call);
        }

        return calls;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _delay.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        await _delay.WaitAsync();
        var waited = Stopwatch.GetElapsedTime(started);
        Interlocked.Add(ref _answerTicks, waited.Ticks);
        Interlocked.Increment(ref _answers);
        var path = context.Request.Path.Value ?? string.Empty;
        context.Response.ContentType = "application/json";
        if (context.Request.Method == "POST" && path == "/v1/auth/kubernetes/login")
        {
            var n = Interlocked.Increment(ref _logins);
            await WriteJsonAsync(context, $$$"""{"auth":{"client_token":"bench-token-{{{n}}}","lease_duration":3600,"renewable":true}}""");
            _calls.Enqueue(new VaultCall(Login: true, started, Stopwatch.GetTimestamp(), waited));
            return;
        }

        var token = context.Request.Headers["X-Vault-Token"].ToString();
        if (context.Request.Method == "GET" && path.StartsWith(KvPrefix, StringComparison.Ordinal) &&
            (token == StaticToken || token.StartsWith("bench-token-", StringComparison.Ordinal)))
        {
            Interlocked.Increment(ref _reads);
            var key = path[KvPrefix.Length..];
            _readsByPath.AddOrUpdate(key, 1, (_, n) => n + 1);
            await WriteJsonAsync(context, "{\"data\":{\"data\":{\"value\":\"value-of-" + key + "\"},\"metadata\":{\"version\":1}}}");
            _calls.Enqueue(new VaultCall(Login: false, started, Stopwatch.GetTimestamp(), waited));
            return;
        }

        context.Response.StatusCode = 403;
        await WriteJsonAsync(context, """{"errors":["permission denied"]}""");
    }

    /// <summary>
    /// Writes a body with its length, as Vault's Go server does for small answers: the client has the whole answer
    /// when the bytes arrive, not when a closing chunk follows after the handler returns.
    /// </summary>
    private static Task WriteJsonAsync(HttpContext context, string json)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(json);
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }
}

/// <summary>One call to <see cref="LoopbackVault"/>: a login or a read, when it arrived and when its answer was written (<see cref="Stopwatch"/> timestamps), and how long its wait really took.</summary>
internal sealed record VaultCall(bool Login, long Arrived, long Answered, TimeSpan Waited);
