using CsiDriver.Observability;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CsiDriver.Grpc;

/// <summary>
/// Around every served call: logs method, status and duration, and turns anything that is not an
/// <see cref="RpcException"/> into INTERNAL with a fixed text, because exception messages can carry
/// anything (paths, payloads) and the client only needs to know that the driver failed.
/// </summary>
internal sealed class CallOutcomeInterceptor(TimeProvider time, ILogger<CallOutcomeInterceptor> logger) : Interceptor
{
    /// <summary>The one message a client sees for a bug of ours.</summary>
    public const string InternalErrorMessage = "internal error; see the driver log";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = time.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            DriverLog.RpcCompleted(logger, context.Method, StatusCode.OK, time.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (RpcException ex)
        {
            DriverLog.RpcCompleted(logger, context.Method, ex.StatusCode, time.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The deadline ran out (Grpc.AspNetCore has answered DEADLINE_EXCEEDED already) or the client
            // reset the stream (nobody is left to read a status).
            var status = context.Deadline <= time.GetUtcNow().UtcDateTime ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
            DriverLog.RpcCompleted(logger, context.Method, status, time.GetElapsedTime(started).TotalMilliseconds);
            throw new RpcException(new Status(status, status == StatusCode.DeadlineExceeded ? "deadline exceeded before the call completed" : "call cancelled by the client"));
        }
        catch (Exception ex)
        {
            DriverLog.RpcFailedUnexpectedly(logger, context.Method, ex);
            throw new RpcException(new Status(StatusCode.Internal, InternalErrorMessage));
        }
    }
}
