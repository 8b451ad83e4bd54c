using System.Net.Sockets;
using Grpc.Net.Client;

namespace CsiDriver.Grpc;

/// <summary>
/// Grpc.Net.Client channels to a unix socket (HTTP/2 with prior knowledge): the driver uses them to
/// call provider plugins, the tests, demo and benchmark to play kubelet.
/// </summary>
public static class UnixSocketChannel
{
    /// <summary>gRPC's default receive limit, 4 MiB.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// A channel whose every connection dials <paramref name="socketPath"/>. Failures are <c>RpcException</c>s:
    /// a deadline that runs out is <c>DEADLINE_EXCEEDED</c>, an unreachable socket <c>UNAVAILABLE</c>, a
    /// call cancelled through its token <c>CANCELLED</c> (callers that own the token turn that back into
    /// an <see cref="OperationCanceledException"/>).
    /// </summary>
    public static GrpcChannel Create(string socketPath, int maxReceiveMessageSize = DefaultMaxReceiveMessageSize)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };

        // The host name only fills :authority; the connect callback decides where the bytes go.
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = maxReceiveMessageSize,
        });
    }
}
