using CsiDriver.Grpc;
using CsiDriver.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Grpc;

/// <summary>The one piece of the gRPC layer that is ours: what a client learns when a handler fails.</summary>
public sealed class CallOutcomeInterceptorTests
{
    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public async Task Handler_ThrowsUnexpectedException_InternalWithFixedMessage_AndTheExceptionOnlyInTheLog()
    {
        var interceptor = Create();

        var error = await CsiClient.FailsAsync(() => interceptor.UnaryServerHandler<string, string>(
            "request", new TestCallContext(DateTime.MaxValue), (_, _) => throw new InvalidOperationException("bug near /var/TOP-SECRET-PATH")));

        error.StatusCode.Should().Be(StatusCode.Internal);
        error.Status.Detail.Should().Be("internal error; see the driver log").And.NotContain("TOP-SECRET-PATH");
        _logs.AllText.Should().Contain("[11]").And.Contain("/csi.v1.Node/NodePublishVolume").And.Contain("TOP-SECRET-PATH");
    }

    [Fact]
    public async Task Handler_ThrowsRpcException_PassedThroughUnchanged()
    {
        var interceptor = Create();

        var error = await CsiClient.FailsAsync(() => interceptor.UnaryServerHandler<string, string>(
            "request", new TestCallContext(DateTime.MaxValue), (_, _) => throw new RpcException(new Status(StatusCode.NotFound, "class default/app not found"))));

        error.StatusCode.Should().Be(StatusCode.NotFound);
        error.Status.Detail.Should().Be("class default/app not found");
        _logs.AllText.Should().Contain("[10]").And.Contain("NotFound");
    }

    [Fact]
    public async Task Handler_CancelledAfterTheDeadline_DeadlineExceeded()
    {
        var interceptor = Create();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var context = new TestCallContext(DateTime.UtcNow.AddSeconds(-1), cancelled.Token);

        var error = await CsiClient.FailsAsync(() => interceptor.UnaryServerHandler<string, string>(
            "request", context, (_, c) => Task.FromException<string>(new OperationCanceledException(c.CancellationToken))));

        error.StatusCode.Should().Be(StatusCode.DeadlineExceeded);
    }

    [Fact]
    public async Task Handler_CancelledBeforeTheDeadline_Cancelled()
    {
        var interceptor = Create();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var context = new TestCallContext(DateTime.UtcNow.AddMinutes(5), cancelled.Token);

        var error = await CsiClient.FailsAsync(() => interceptor.UnaryServerHandler<string, string>(
            "request", context, (_, c) => Task.FromException<string>(new OperationCanceledException(c.CancellationToken))));

        error.StatusCode.Should().Be(StatusCode.Cancelled);
    }

    private CallOutcomeInterceptor Create()
    {
        var factory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        return new CallOutcomeInterceptor(TimeProvider.System, factory.CreateLogger<CallOutcomeInterceptor>());
    }

    /// <summary>The call context Grpc.AspNetCore would pass, reduced to what the interceptor reads.</summary>
    private sealed class TestCallContext(DateTime deadline, CancellationToken token = default) : ServerCallContext
    {
        protected override string MethodCore => "/csi.v1.Node/NodePublishVolume";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "unix:";

        protected override DateTime DeadlineCore => deadline;

        protected override Metadata RequestHeadersCore => [];

        protected override CancellationToken CancellationTokenCore => token;

        protected override Metadata ResponseTrailersCore => [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
