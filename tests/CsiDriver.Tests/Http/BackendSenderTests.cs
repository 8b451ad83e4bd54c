using System.Net;
using CsiDriver.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Http;

/// <summary>The shared send loop against a real loopback HTTP server that answers as each test scripts it.</summary>
public sealed class BackendSenderTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SendAsync_ServiceUnavailableThenOk_RetriesAndReturnsTheSecondAnswer()
    {
        await using var server = await ScriptedServer.StartAsync((context, number) =>
            number == 1 ? Answer(context, 503, "busy") : Answer(context, 200, "ok"));
        var failures = new TestFailures();

        var response = await Send(server, failures, Retries(3));

        response.Status.Should().Be(HttpStatusCode.OK);
        System.Text.Encoding.UTF8.GetString(response.Body).Should().Be("ok");
        response.Attempts.Should().Be(2);
        server.Requests.Should().Be(2);
        failures.Retries.Should().Equal((1, HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task SendAsync_ThrottledWithRetryAfter_WaitsWhatTheServerAskedOnTheInjectedClock()
    {
        await using var server = await ScriptedServer.StartAsync((context, number) =>
        {
            if (number == 1)
            {
                context.Response.Headers.RetryAfter = "7";
                return Answer(context, 429, "slow down");
            }

            return Answer(context, 200, "ok");
        });
        var clock = new RecordingClock();
        var retry = new RetryPolicy(
            new RetrySettings { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMinutes(1), Jitter = Jitter.None },
            clock,
            static () => 0.5);

        var response = await Send(server, new TestFailures(), retry);

        response.Status.Should().Be(HttpStatusCode.OK);
        clock.Waits.Should().Equal(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task SendAsync_NoAnswerWithinTheAttemptTimeout_EachAttemptTimesOutAndTheTimeoutIsThrown()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted));

        var act = () => Send(server, new TestFailures(), Retries(2), timeout: TimeSpan.FromMilliseconds(300));

        (await act.Should().ThrowAsync<SenderTestException>()).Which.Message.Should().Be($"timeout after 0.3s from {server.Address.Authority}");
        server.Requests.Should().Be(2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendAsync_BodyOverTheLimit_RefusedAsTooLargeWhetherDeclaredOrStreamed(bool declareLength)
    {
        await using var server = await ScriptedServer.StartAsync(async (context, _) =>
        {
            var body = new byte[4096];
            if (declareLength)
            {
                context.Response.ContentLength = body.Length;
            }

            await context.Response.Body.WriteAsync(body);
        });

        var act = () => Send(server, new TestFailures(), Retries(3), maxBytes: 1024);

        (await act.Should().ThrowAsync<SenderTestException>()).Which.Message.Should().Be("too large: HTTP 200 over 1024 bytes");
        server.Requests.Should().Be(1);
    }

    [Fact]
    public async Task SendAsync_NotFound_ReturnedAtOnceWithoutRetry()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Answer(context, 404, "no such object"));
        var failures = new TestFailures();

        var response = await Send(server, failures, Retries(3));

        response.Status.Should().Be(HttpStatusCode.NotFound);
        response.Attempts.Should().Be(1);
        server.Requests.Should().Be(1);
        failures.Retries.Should().BeEmpty();
    }

    [Fact]
    public async Task SendAsync_StillUnavailableAfterTheLastAttempt_ReturnsTheLastAnswer()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Answer(context, 503, "busy"));

        var response = await Send(server, new TestFailures(), Retries(3));

        response.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Attempts.Should().Be(3);
        server.Requests.Should().Be(3);
    }

    [Fact]
    public async Task SendAsync_NothingListening_UnreachableRetriedThenThrown()
    {
        var port = ScriptedServer.FreePort();
        var failures = new TestFailures();
        var call = new BackendCall<SenderTestException>(
            _ => ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/x")), Generous, 1024, failures, Retries(2));
        using var http = BackendHttp.CreateClient(new BackendConnection { UseProxy = false }, userAgent: null);

        var act = () => BackendSender.SendAsync(http, call, CancellationToken.None);

        (await act.Should().ThrowAsync<SenderTestException>()).Which.Message.Should().Be($"unreachable: 127.0.0.1:{port}");
        failures.Retries.Should().HaveCount(1);
    }

    [Fact]
    public async Task SendAsync_CallerCancelsWhileWaiting_CancellationIsNotReportedAsATimeout()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ScriptedServer.StartAsync((context, _) =>
        {
            arrived.TrySetResult();
            return Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        using var caller = new CancellationTokenSource();

        var sending = Send(server, new TestFailures(), Retries(3), cancellationToken: caller.Token);
        await arrived.Task.WaitAsync(Generous);
        await caller.CancelAsync();

        await FluentActions.Awaiting(() => sending).Should().ThrowAsync<OperationCanceledException>();
        server.Requests.Should().Be(1);
    }

    private static RetryPolicy Retries(int attempts) => new(
        new RetrySettings { MaxAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), Jitter = Jitter.None },
        TimeProvider.System,
        static () => 0.5);

    private static async Task<BackendResponse> Send(
        ScriptedServer server, TestFailures failures, RetryPolicy retry, TimeSpan? timeout = null, long maxBytes = 64 * 1024, CancellationToken cancellationToken = default)
    {
        using var http = BackendHttp.CreateClient(new BackendConnection { UseProxy = false }, userAgent: null);
        var call = new BackendCall<SenderTestException>(
            _ => ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Get, new Uri(server.Address, "object"))), timeout ?? Generous, maxBytes, failures, retry);
        return await BackendSender.SendAsync(http, call, cancellationToken);
    }

    private static async Task Answer(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(body);
    }

    /// <summary>A loopback server whose every request is answered by the test's script, given the request's number (from 1).</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private ScriptedServer(WebApplication app) => _app = app;

        public Uri Address { get; private set; } = null!;

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<ScriptedServer> StartAsync(Func<HttpContext, int, Task> script)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var server = new ScriptedServer(app);
            app.Run(context => script(context, Interlocked.Increment(ref server._requests)));
            await app.StartAsync();
            server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return server;
        }

        public static int FreePort()
        {
            using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}

/// <summary>A backend's exception for the sender's tests.</summary>
internal sealed class SenderTestException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>A backend that retries 429 and 503 answers, timeouts and unreachable servers (not an oversized body), and records each retry.</summary>
internal sealed class TestFailures : BackendFailures<SenderTestException>
{
    private readonly List<(int, HttpStatusCode)> _retries = [];

    public IReadOnlyList<(int Attempt, HttpStatusCode Status)> Retries
    {
        get
        {
            lock (_retries)
            {
                return [.. _retries];
            }
        }
    }

    public override SenderTestException Timeout(Uri endpoint, TimeSpan timeout, OperationCanceledException error) =>
        new($"timeout after {timeout.TotalSeconds:0.#}s from {endpoint.Authority}");

    public override SenderTestException Unreachable(Uri endpoint, HttpRequestException error) => new($"unreachable: {endpoint.Authority}");

    public override SenderTestException TooLarge(Uri endpoint, HttpStatusCode status, long maxBytes) => new($"too large: HTTP {(int)status} over {maxBytes} bytes");

    public override SenderTestException? Retryable(BackendResponse response) =>
        response.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests ? new SenderTestException($"HTTP {(int)response.Status}", response.Status) : null;

    public override bool IsRetryable(SenderTestException failure) => !failure.Message.StartsWith("too large", StringComparison.Ordinal);

    public override void Retrying(SenderTestException failure, Uri? endpoint, int attempt, TimeSpan delay)
    {
        lock (_retries)
        {
            _retries.Add((attempt, failure.Status ?? 0));
        }
    }
}

/// <summary>A clock whose timers fire at once, recording the waits asked of it.</summary>
internal sealed class RecordingClock : TimeProvider
{
    private readonly List<TimeSpan> _waits = [];

    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_waits)
            {
                return [.. _waits];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            lock (_waits)
            {
                _waits.Add(dueTime);
            }
        }

        return TimeProvider.System.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
