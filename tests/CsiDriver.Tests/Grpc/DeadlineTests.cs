using CsiDriver.Grpc;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Grpc;

/// <summary>The gRPC layer on its own, serving a service whose handler waits for cancellation.</summary>
public sealed class DeadlineTests
{
    [Fact]
    public async Task Call_HandlerOutlivesGrpcTimeout_DeadlineExceededAndHandlerCancelled()
    {
        using var dir = new TestDirectory();
        var service = new WaitingService();
        await using var server = await StartAsync(dir.Combine("s.sock"), service);
        using var client = new UnixSocketGrpcClient(dir.Combine("s.sock"));

        // The client's own cancel is far later than the header, so the server's status is what we see.
        var error = await CsiClient.FailsAsync(() => client.CallAsync("/test.Wait/Wait", new ProbeRequest(), ProbeResponse.Parser, TimeSpan.FromMilliseconds(300), new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token));

        error.Status.Should().Be(StatusCode.DeadlineExceeded);
        (await service.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
    }

    [Fact]
    public async Task Call_AfterAHangingCallTimedOut_NextCallIsServed()
    {
        using var dir = new TestDirectory();
        await using var server = await StartAsync(dir.Combine("s.sock"), new WaitingService());
        using var client = new UnixSocketGrpcClient(dir.Combine("s.sock"));

        await CsiClient.FailsAsync(() => client.CallAsync("/test.Wait/Wait", new ProbeRequest(), ProbeResponse.Parser, TimeSpan.FromMilliseconds(100)));
        var reply = await client.CallAsync("/test.Wait/Fast", new ProbeRequest(), ProbeResponse.Parser, TimeSpan.FromSeconds(10));

        reply.Ready.Should().Be(true);
    }

    private static async Task<WebApplication> StartAsync(string socket, IGrpcService service)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.ListenUnixSocket(socket, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var dispatcher = new GrpcRequestDispatcher(new GrpcServiceRegistry([service]), new GrpcServerOptions(), TimeProvider.System, NullLogger<GrpcRequestDispatcher>.Instance);
        app.Run(dispatcher.DispatchAsync);
        await app.StartAsync();
        return app;
    }

    private sealed class WaitingService : IGrpcService
    {
        public TaskCompletionSource<bool> Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IEnumerable<UnaryMethod> Methods =>
        [
            new UnaryMethod<ProbeRequest, ProbeResponse>("test.Wait", "Wait", ProbeRequest.Parser, WaitAsync),
            new UnaryMethod<ProbeRequest, ProbeResponse>("test.Wait", "Fast", ProbeRequest.Parser, (_, _) => Task.FromResult(new ProbeResponse { Ready = true })),
        ];

        private async Task<ProbeResponse> WaitAsync(ProbeRequest request, CallContext context)
        {
            context.Deadline.Should().NotBeNull();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult(true);
                throw;
            }

            return new ProbeResponse();
        }
    }
}
