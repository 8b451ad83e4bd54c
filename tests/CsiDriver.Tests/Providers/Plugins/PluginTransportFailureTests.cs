using CsiDriver.Grpc;
using CsiDriver.Protos.Provider.V1Alpha1;
using Grpc.Core;
using CsiDriver.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CsiDriver.Tests.Providers.Plugins;

/// <summary>
/// Transport failures a broken plugin causes, seen by the plugin client (Grpc.Net.Client on a unix-socket
/// channel): each must surface as a gRPC status (UNAVAILABLE, retryable), never as a raw IOException or
/// cancellation.
/// </summary>
public sealed class PluginTransportFailureTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private WebApplication _app = null!;
    private string _socket = null!;
    private int _requests;

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
            Interlocked.Increment(ref _requests);
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
        using var channel = UnixSocketChannel.Create(_socket);
        var client = new CSIDriverProvider.CSIDriverProviderClient(channel);

        var act = async () => await client.MountAsync(new MountRequest(), deadline: DateTime.UtcNow.AddSeconds(20));

        (await act.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().BeOneOf(StatusCode.Unavailable, StatusCode.Internal);
    }

    [Fact]
    public async Task Call_ChannelDisposedWhileWaiting_EndsAsCancelledAtOnce_AndNewCallsFail()
    {
        var channel = UnixSocketChannel.Create(_socket);
        var client = new CSIDriverProvider.CSIDriverProviderClient(channel);
        var call = client.VersionAsync(new VersionRequest(), deadline: DateTime.UtcNow.AddMinutes(5)).ResponseAsync;
        await Eventually.TrueAsync(() => _requests > 0, because: "the plugin to receive the call");

        channel.Dispose();

        (await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<RpcException>())
            .Which.StatusCode.Should().Be(StatusCode.Cancelled, "disposing a channel ends its calls in flight, long before their deadline");
        await FluentActions.Awaiting(async () => await client.VersionAsync(new VersionRequest(), deadline: DateTime.UtcNow.AddSeconds(1)))
            .Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task Call_CallerCancels_IsCancelledStatus_NotATransportFailure()
    {
        using var channel = UnixSocketChannel.Create(_socket);
        var client = new CSIDriverProvider.CSIDriverProviderClient(channel);
        using var cancel = new CancellationTokenSource();
        var call = client.VersionAsync(new VersionRequest(), deadline: DateTime.UtcNow.AddMinutes(5), cancellationToken: cancel.Token).ResponseAsync;

        await cancel.CancelAsync();

        (await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<RpcException>())
            .Which.StatusCode.Should().Be(StatusCode.Cancelled);
    }

    [Fact]
    public async Task Call_DeadlinePasses_IsDeadlineExceeded()
    {
        using var channel = UnixSocketChannel.Create(_socket);
        var client = new CSIDriverProvider.CSIDriverProviderClient(channel);

        var act = async () => await client.VersionAsync(new VersionRequest(), deadline: DateTime.UtcNow.AddMilliseconds(200));

        (await act.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.DeadlineExceeded);
    }
}
