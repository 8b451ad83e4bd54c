using CsiDriver.Publishing;
using Grpc.Core;

namespace CsiDriver.Providers.Plugins;

/// <summary>Maps a plugin call's gRPC status to the pipeline's failure kinds, with a message naming class, plugin and socket.</summary>
internal static class PluginFailures
{
    private const int MaxDetailLength = 512;

    /// <summary>True for the receive-limit error Grpc.Net.Client (or grpc-go) raises for an oversized message.</summary>
    public static bool IsOverReceiveLimit(RpcException ex) =>
        ex.StatusCode == StatusCode.ResourceExhausted &&
        (ex.Status.Detail.Contains("exceeds the maximum configured message size", StringComparison.Ordinal) ||
         ex.Status.Detail.Contains("larger than max", StringComparison.Ordinal));

    public static SecretStoreException FromRpc(RpcException ex, string provider, PluginSocket socket, ProviderRequest request, string call, PluginOptions options)
    {
        var prefix = $"SecretProviderClass {request.Class.Description}: provider plugin \"{provider}\" ({socket.Path}) {call}";
        if (IsOverReceiveLimit(ex))
        {
            return new SecretStoreException(
                FailureKind.TooLarge,
                $"{prefix}: the response is larger than the {options.MaxReceiveMessageSize}-byte limit (raise --max-call-recv-msg-size)")
            {
                Reason = "GRPCProviderError",
            };
        }

        var detail = PluginMountResponseReader.Sanitize(ex.Status.Detail, MaxDetailLength);
        var (kind, cause) = ex.StatusCode switch
        {
            StatusCode.Unavailable => (FailureKind.Unavailable, "plugin unavailable"),
            StatusCode.DeadlineExceeded => (FailureKind.Timeout, "no answer before the deadline"),
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => (FailureKind.InvalidConfiguration, "plugin rejected the request"),
            StatusCode.NotFound => (FailureKind.NotFound, "not found"),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated => (FailureKind.PermissionDenied, "permission denied"),
            StatusCode.Unimplemented => (FailureKind.InvalidConfiguration, "the socket does not serve the v1alpha1 provider protocol"),
            _ => (FailureKind.Unavailable, "plugin error"),
        };

        return new SecretStoreException(kind, $"{prefix} failed, {cause}: {GrpcName(ex.StatusCode)} {detail}")
        {
            Reason = "GRPCProviderError",
        };
    }

    /// <summary>The canonical upper-case gRPC code name, as operators see it in other tools.</summary>
    private static string GrpcName(StatusCode status) => status switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.Unknown => "UNKNOWN",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        _ => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
