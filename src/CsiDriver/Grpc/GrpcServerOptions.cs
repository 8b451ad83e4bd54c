namespace CsiDriver.Grpc;

/// <summary>Limits the gRPC server enforces on every call.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, in bytes (gRPC's default is 4 MiB).</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes.</summary>
    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;
}
