using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;

namespace CsiDriver.Grpc;

/// <summary>
/// A unary gRPC client over HTTP/2 (prior knowledge) on a unix socket: used to call external
/// provider plugins and, in tests, the driver itself.
/// </summary>
public sealed class UnixSocketGrpcClient : IDisposable
{
    private static readonly Uri BaseAddress = new("http://localhost");
    private readonly HttpMessageInvoker _invoker;
    private readonly int _maxReceiveMessageSize;

    public UnixSocketGrpcClient(string socketPath, int maxReceiveMessageSize = 4 * 1024 * 1024)
    {
        SocketPath = socketPath;
        _maxReceiveMessageSize = maxReceiveMessageSize;
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
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public string SocketPath { get; }

    /// <summary>Calls a unary method, e.g. <c>/csi.v1.Identity/Probe</c>; a non-OK status becomes an <see cref="RpcException"/>.</summary>
    public async Task<TResponse> CallAsync<TResponse>(
        string path,
        IMessage request,
        MessageParser<TResponse> parser,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
        where TResponse : class, IMessage<TResponse>
    {
        var size = request.CalculateSize();
        var body = new byte[GrpcProtocol.FrameHeaderSize + size];
        GrpcProtocol.WriteFrameHeader(body, size);
        request.WriteTo(body.AsSpan(GrpcProtocol.FrameHeaderSize));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            deadline.CancelAfter(t);
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        message.Headers.TryAddWithoutValidation("te", "trailers");
        if (timeout is { } t2)
        {
            message.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(t2));
        }

        try
        {
            using var response = await _invoker.SendAsync(message, deadline.Token).ConfigureAwait(false);
            return await ReadResponseAsync(response, parser, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            throw new RpcException(StatusCode.DeadlineExceeded, $"deadline exceeded calling {path}");
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Neither the caller nor the deadline cancelled: the connection went away (or the client was disposed).
            throw new RpcException(StatusCode.Unavailable, $"call to {path} on {SocketPath} was cut off: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new RpcException(StatusCode.Unavailable, $"cannot reach {SocketPath}: {ex.Message}");
        }
        catch (IOException ex)
        {
            // The stream was reset or the connection closed while the response was being read.
            throw new RpcException(StatusCode.Unavailable, $"connection to {SocketPath} failed during {path}: {ex.Message}");
        }
        catch (ObjectDisposedException)
        {
            throw new RpcException(StatusCode.Unavailable, $"the client for {SocketPath} was closed during {path}");
        }
    }

    private async Task<TResponse> ReadResponseAsync<TResponse>(HttpResponseMessage response, MessageParser<TResponse> parser, CancellationToken token)
        where TResponse : class, IMessage<TResponse>
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RpcException(GrpcProtocol.FromHttpStatus((int)response.StatusCode), $"HTTP status {(int)response.StatusCode} from {SocketPath}");
        }

        // Trailers-Only: the status travels in the headers and there is no body.
        var statusInHeaders = TryReadStatus(response.Headers, out var headerStatus, out var headerMessage);
        if (statusInHeaders && headerStatus != StatusCode.OK)
        {
            throw new RpcException(headerStatus, headerMessage);
        }

        if (!GrpcProtocol.IsGrpcContentType(response.Content.Headers.ContentType?.MediaType))
        {
            throw new RpcException(StatusCode.Unknown, $"unexpected content type '{response.Content.Headers.ContentType}' from {SocketPath}");
        }

        var body = await ReadBodyAsync(response, token).ConfigureAwait(false);
        if (!TryReadStatus(response.TrailingHeaders, out var status, out var detail) && !statusInHeaders)
        {
            throw new RpcException(StatusCode.Internal, "server closed the stream without a grpc-status");
        }

        if (status != StatusCode.OK)
        {
            throw new RpcException(status, detail);
        }

        if (body.Length < GrpcProtocol.FrameHeaderSize)
        {
            throw new RpcException(StatusCode.Internal, "response had no message");
        }

        if (body[0] != 0)
        {
            throw new RpcException(StatusCode.Internal, "compressed response messages are not supported");
        }

        var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
        if (body.Length != GrpcProtocol.FrameHeaderSize + length)
        {
            throw new RpcException(StatusCode.Internal, "response message truncated or followed by extra data");
        }

        try
        {
            return parser.ParseFrom(body, GrpcProtocol.FrameHeaderSize, length);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(StatusCode.Internal, "malformed response message");
        }
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken token)
    {
        var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, token).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > _maxReceiveMessageSize + GrpcProtocol.FrameHeaderSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted, $"grpc: received message larger than max ({_maxReceiveMessageSize} bytes) from {SocketPath}");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static bool TryReadStatus(HttpHeaders headers, out StatusCode status, out string message)
    {
        status = StatusCode.OK;
        message = string.Empty;
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            return false;
        }

        var raw = values.FirstOrDefault();
        status = int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? (StatusCode)code
            : StatusCode.Unknown;
        if (headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages))
        {
            message = GrpcProtocol.DecodeMessage(messages.FirstOrDefault());
        }

        return true;
    }

    public void Dispose() => _invoker.Dispose();
}
