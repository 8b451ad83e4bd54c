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
        var (kind, cause) = ex.StatusCode switch
        {
            _ when IsOverReceiveLimit(ex) => (FailureKind.TooLarge, string.Empty),
            StatusCode.Unavailable => (FailureKind.Unavailable, "plugin unavailable"),
            StatusCode.DeadlineExceeded => (FailureKind.Timeout, "no answer before the deadline"),
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => (FailureKind.InvalidConfiguration, "plugin rejected the request"),
            StatusCode.NotFound => (FailureKind.NotFound, "not found"),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated => (FailureKind.PermissionDenied, "permission denied"),
            StatusCode.Unimplemented => (FailureKind.InvalidConfiguration, "the socket does not serve the v1alpha1 provider protocol"),
            _ => (FailureKind.Unavailable, "plugin error"),
        };
        var message = kind == FailureKind.TooLarge
            ? $"{prefix}: the response is larger than the {options.MaxReceiveMessageSize}-byte limit (raise --max-call-recv-msg-size)"
            : $"{prefix} failed, {cause}: {GrpcName(ex.StatusCode)} {PluginMountMessages.Sanitize(ex.Status.Detail, MaxDetailLength)}";
        return new SecretStoreException(kind, message) { Reason = "GRPCProviderError" };
    }

    /// <summary>The canonical upper-case gRPC code name (<c>DEADLINE_EXCEEDED</c>), as operators see it in other tools; a number for a code gRPC does not define.</summary>
    private static string GrpcName(StatusCode status) =>
        Enum.IsDefined(status) ? JsonNamingPolicy.SnakeCaseUpper.ConvertName(status.ToString()) : ((int)status).ToString(CultureInfo.InvariantCulture);
}
