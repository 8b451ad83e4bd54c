using System.Buffers;
using Google.Protobuf;

namespace CsiDriver.Grpc;

/// <summary>One unary RPC the server can dispatch: decodes the request, runs the handler, returns the reply.</summary>
internal abstract class UnaryMethod
{
    protected UnaryMethod(string fullName) => FullName = fullName;

    /// <summary>The HTTP/2 :path, e.g. <c>/csi.v1.Node/NodePublishVolume</c>.</summary>
    public string FullName { get; }

    public abstract Task<IMessage> InvokeAsync(ReadOnlySequence<byte> payload, CallContext context);
}

/// <summary>A unary RPC bound to its protobuf request type and its handler.</summary>
internal sealed class UnaryMethod<TRequest, TResponse> : UnaryMethod
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser;
    private readonly Func<TRequest, CallContext, Task<TResponse>> _handler;

    public UnaryMethod(string service, string method, MessageParser<TRequest> parser, Func<TRequest, CallContext, Task<TResponse>> handler)
        : base("/" + service + "/" + method)
    {
        _parser = parser;
        _handler = handler;
    }

    public override async Task<IMessage> InvokeAsync(ReadOnlySequence<byte> payload, CallContext context)
    {
        TRequest request;
        try
        {
            request = _parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            // gRPC servers report an undecodable request as INTERNAL (grpc-go does the same).
            throw new RpcException(StatusCode.Internal, "grpc: error unmarshalling request: malformed protobuf message");
        }

        return await _handler(request, context).ConfigureAwait(false);
    }
}

/// <summary>What a handler knows about its call: the cancellation that carries the deadline.</summary>
internal sealed class CallContext
{
    public CallContext(string method, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    public string Method { get; }

    /// <summary>When the client's grpc-timeout runs out, if it sent one.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Cancelled when the deadline passes, the client goes away or the server shuts down hard.</summary>
    public CancellationToken CancellationToken { get; }
}
