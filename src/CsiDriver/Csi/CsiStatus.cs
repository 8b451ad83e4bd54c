using CsiDriver.Publishing;
using Grpc.Core;

namespace CsiDriver.Csi;

/// <summary>Maps pipeline failures to the CSI spec's status codes.</summary>
internal static class CsiStatus
{
    public static StatusCode For(FailureKind kind) => kind switch
    {
        FailureKind.InvalidConfiguration => StatusCode.InvalidArgument,
        FailureKind.NotFound => StatusCode.NotFound,
        FailureKind.PermissionDenied => StatusCode.PermissionDenied,
        FailureKind.Unavailable => StatusCode.Unavailable,
        FailureKind.Timeout => StatusCode.DeadlineExceeded,
        FailureKind.TooLarge => StatusCode.ResourceExhausted,
        FailureKind.Conflict => StatusCode.AlreadyExists,
        _ => StatusCode.Internal,
    };

    public static RpcException ToRpc(SecretStoreException ex) => new(new Status(For(ex.Kind), ex.Message));

    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException Unimplemented(string message) => new(new Status(StatusCode.Unimplemented, message));
}
