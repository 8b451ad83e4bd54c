using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>Sends hand-made HTTP/2 requests to a unix socket, to test the gRPC layer with bad frames.</summary>
public sealed class RawGrpcClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    public RawGrpcClient(string socketPath)
    {
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
    }

    public async Task<RawResponse> SendAsync(string path, byte[] body, string contentType = "application/grpc", IDictionary<string, string>? headers = null, string method = "POST")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://localhost" + path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _invoker.SendAsync(request, CancellationToken.None);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse(
            (int)response.StatusCode,
            Flatten(response.Headers),
            bytes,
            Flatten(response.TrailingHeaders));
    }

    /// <summary>A 5-byte gRPC frame header followed by <paramref name="payload"/>.</summary>
    public static byte[] Frame(byte[] payload, byte flag = 0, int? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? payload.Length));
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static Dictionary<string, string> Flatten(HttpHeaders headers) =>
        headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);

    public void Dispose() => _invoker.Dispose();
}

/// <summary>What came back, headers and trailers apart.</summary>
public sealed record RawResponse(int HttpStatus, Dictionary<string, string> Headers, byte[] Body, Dictionary<string, string> Trailers)
{
    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only response.</summary>
    public int? GrpcStatus =>
        Trailers.TryGetValue("grpc-status", out var t) ? int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)
        : Headers.TryGetValue("grpc-status", out var h) ? int.Parse(h, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public string GrpcMessage => Trailers.GetValueOrDefault("grpc-message") ?? Headers.GetValueOrDefault("grpc-message") ?? string.Empty;
}
