namespace CsiDriver.Grpc;

/// <summary>A gRPC call that ended with a non-OK status, on either side of the wire.</summary>
public sealed class RpcException : Exception
{
    public RpcException(StatusCode status, string detail)
        : base($"{status}: {detail}")
    {
        Status = status;
        Detail = detail;
    }

    public StatusCode Status { get; }

    /// <summary>The grpc-message text; never carries secret values.</summary>
    public string Detail { get; }
}
