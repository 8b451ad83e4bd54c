using CsiDriver.Grpc;
using CsiDriver.Protos.Provider.V1Alpha1;
using CsiDriver.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CsiDriver.Tests.Providers.Plugins;

/// <summary>
/// Transport failures a broken plugin causes, seen by our unary client: each must surface as a gRPC
/// status (UNAVAILABLE, retryable), never as a raw IOException or cancellation.
/// </summary>
public sealed class PluginTransportFailureTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private WebApplication _app = null!;
    private string _socket = null!;

    public async Task InitializeAsync()
    {
        _socket = _directory.Combine("broken.sock");
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.ListenUnixSocket(_socket, l => l.Protocols = HttpProtocols.Http2));
        _app = builder.Build();
        _app.Run(async context =>
        {
            if (context.Request.Path == "/v1alpha1.CSIDriverProvider/Mount")
            {
                // Headers and half a message, then the stream is reset: a plugin crashing mid-answer.
                context.Response.ContentType = "application/grpc";
                await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 100, 1, 2, 3 });
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }

            // Version: never answers until the caller goes away.
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Call_StreamResetMidResponse_IsUnavailable()
    {
        using var client = new UnixSocketGrpcClient(_socket);

        var act = () => client.CallAsync("/v1alpha1.CSIDriverProvider/Mount", new MountRequest(), MountResponse.Parser, TimeSpan.FromSeconds(20));

        (await act.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(StatusCode.Unavailable);
    }

    [Fact]
    public async Task Call_ClientDisposedWhileWaiting_StillEndsAtItsDeadline_AndNewCallsAreUnavailable()
    {
        var client = new UnixSocketGrpcClient(_socket);
        var call = client.CallAsync("/v1alpha1.CSIDriverProvider/Version", new VersionRequest(), VersionResponse.Parser, TimeSpan.FromSeconds(1));

        client.Dispose();

        (await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<RpcException>())
            .Which.Status.Should().BeOneOf(StatusCode.DeadlineExceeded, StatusCode.Unavailable);
        (await FluentActions.Awaiting(() => client.CallAsync("/v1alpha1.CSIDriverProvider/Version", new VersionRequest(), VersionResponse.Parser, TimeSpan.FromSeconds(1)))
            .Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(StatusCode.Unavailable);
    }

    [Fact]
    public async Task Call_CallerCancels_IsOperationCanceled_NotAStatus()
    {
        using var client = new UnixSocketGrpcClient(_socket);
        using var cancel = new CancellationTokenSource();
        var call = client.CallAsync("/v1alpha1.CSIDriverProvider/Version", new VersionRequest(), VersionResponse.Parser, TimeSpan.FromMinutes(5), cancel.Token);

        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<OperationCanceledException>();
    }
}
