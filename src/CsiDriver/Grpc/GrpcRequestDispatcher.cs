using System.Buffers;
using System.IO.Pipelines;
using CsiDriver.Observability;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Grpc;

/// <summary>
/// Serves unary gRPC over HTTP/2 on Kestrel: checks the request the way the gRPC-over-HTTP/2
/// spec says, reads exactly one length-prefixed message, runs the method under the caller's
/// deadline and answers with a message plus trailers, or a trailers-only error.
/// </summary>
internal sealed class GrpcRequestDispatcher
{
    private readonly GrpcServiceRegistry _registry;
    private readonly GrpcServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GrpcRequestDispatcher> _logger;

    public GrpcRequestDispatcher(GrpcServiceRegistry registry, GrpcServerOptions options, TimeProvider time, ILogger<GrpcRequestDispatcher> logger)
    {
        _registry = registry;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task DispatchAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // The spec: a non-gRPC content type gets HTTP 415 so non-gRPC clients understand it.
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var path = request.Path.Value ?? string.Empty;
        if (!_registry.TryGet(path, out var method))
        {
            WriteTrailersOnly(http, StatusCode.Unimplemented, _registry.DescribeUnknown(path));
            return;
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && !string.Equals(encoding, "identity", StringComparison.Ordinal))
        {
            http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = "identity";
            WriteTrailersOnly(http, StatusCode.Unimplemented, $"grpc: compression '{encoding}' is not supported; send uncompressed messages");
            return;
        }

        DateTimeOffset? deadline = null;
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcProtocol.TryParseTimeout(timeoutHeader, out var timeout))
            {
                WriteTrailersOnly(http, StatusCode.Internal, $"grpc: malformed grpc-timeout '{timeoutHeader}'");
                return;
            }

            deadline = _time.GetUtcNow() + timeout;
            timeoutSource.CancelAfter(timeout);
        }

        var token = timeoutSource.Token;
        var started = _time.GetTimestamp();
        try
        {
            var payload = await ReadSingleMessageAsync(request.BodyReader, encoding.Length > 0, token).ConfigureAwait(false);
            IMessage reply;
            try
            {
                reply = await method.InvokeAsync(payload.Sequence, new CallContext(path, deadline, token)).ConfigureAwait(false);
            }
            finally
            {
                payload.Release();
            }

            await WriteReplyAsync(http, reply, token).ConfigureAwait(false);
            DriverLog.RpcCompleted(_logger, path, StatusCode.OK, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (RpcException ex)
        {
            DriverLog.RpcCompleted(_logger, path, ex.Status, _time.GetElapsedTime(started).TotalMilliseconds);
            WriteError(http, ex.Status, ex.Detail);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client reset the stream; nobody is left to read a status.
            DriverLog.RpcCompleted(_logger, path, StatusCode.Cancelled, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            DriverLog.RpcCompleted(_logger, path, StatusCode.DeadlineExceeded, _time.GetElapsedTime(started).TotalMilliseconds);
            WriteError(http, StatusCode.DeadlineExceeded, "deadline exceeded before the call completed");
        }
        catch (Exception ex)
        {
            // Exception text can carry anything; the client only learns that we failed.
            DriverLog.RpcFailedUnexpectedly(_logger, path, ex);
            WriteError(http, StatusCode.Internal, "internal error; see the driver log");
        }
    }

    private async Task<RentedPayload> ReadSingleMessageAsync(PipeReader reader, bool encodingNegotiated, CancellationToken token)
    {
        var header = new byte[GrpcProtocol.FrameHeaderSize];
        while (true)
        {
            var result = await reader.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= GrpcProtocol.FrameHeaderSize)
            {
                buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
                var flag = header[0];
                var length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
                if (flag == 1)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw new RpcException(
                        StatusCode.Internal,
                        encodingNegotiated
                            ? "grpc: compressed messages are not supported; send uncompressed messages"
                            : "grpc: compressed flag set on a message but no grpc-encoding was sent");
                }

                if (flag != 0)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw new RpcException(StatusCode.Internal, $"grpc: invalid message flag {flag}");
                }

                if (length > _options.MaxReceiveMessageSize)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw new RpcException(
                        StatusCode.ResourceExhausted,
                        $"grpc: received message larger than max ({length} vs. {_options.MaxReceiveMessageSize})");
                }

                var frameEnd = GrpcProtocol.FrameHeaderSize + length;
                if (buffer.Length >= frameEnd && (result.IsCompleted || buffer.Length > frameEnd))
                {
                    if (buffer.Length > frameEnd)
                    {
                        reader.AdvanceTo(buffer.Start);
                        throw new RpcException(StatusCode.Internal, "grpc: more than one request message sent to a unary method");
                    }

                    var payload = RentedPayload.Copy(buffer.Slice(GrpcProtocol.FrameHeaderSize, length));
                    reader.AdvanceTo(buffer.End);
                    return payload;
                }
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                throw new RpcException(
                    StatusCode.Internal,
                    buffer.Length == 0 ? "grpc: request had no message" : "grpc: request message truncated");
            }

            // Nothing is consumed until the whole frame and the end of the stream are here.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async Task WriteReplyAsync(HttpContext http, IMessage reply, CancellationToken token)
    {
        var size = reply.CalculateSize();
        if (size > _options.MaxSendMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"grpc: response message larger than max ({size} vs. {_options.MaxSendMessageSize})");
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        var writer = response.BodyWriter;
        var span = writer.GetSpan(GrpcProtocol.FrameHeaderSize + size);
        GrpcProtocol.WriteFrameHeader(span, size);
        reply.WriteTo(span.Slice(GrpcProtocol.FrameHeaderSize, size));
        writer.Advance(GrpcProtocol.FrameHeaderSize + size);
        await writer.FlushAsync(token).ConfigureAwait(false);
        response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
    }

    private static void WriteError(HttpContext http, StatusCode status, string detail)
    {
        if (!http.Response.HasStarted)
        {
            WriteTrailersOnly(http, status, detail);
            return;
        }

        http.Response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
        http.Response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcProtocol.EncodeMessage(detail));
    }

    /// <summary>A HEADERS frame with END_STREAM carrying the status: the spec's Trailers-Only response.</summary>
    private static void WriteTrailersOnly(HttpContext http, StatusCode status, string detail)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(detail);
    }

    /// <summary>A copy of one message's bytes in a pooled buffer, so the pipe can move on.</summary>
    private readonly struct RentedPayload
    {
        private readonly byte[] _array;
        private readonly int _length;

        private RentedPayload(byte[] array, int length)
        {
            _array = array;
            _length = length;
        }

        public ReadOnlySequence<byte> Sequence => new(_array, 0, _length);

        public static RentedPayload Copy(ReadOnlySequence<byte> source)
        {
            var array = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, source.Length));
            source.CopyTo(array);
            return new RentedPayload(array, (int)source.Length);
        }

        public void Release() => ArrayPool<byte>.Shared.Return(_array, clearArray: true);
    }
}
