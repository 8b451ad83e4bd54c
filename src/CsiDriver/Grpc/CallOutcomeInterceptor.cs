using CsiDriver.Observability;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CsiDriver.Grpc;

/// <summary>
/// Around every served call: logs method, status and duration, and turns anything that is not an
/// <see cref="RpcException"/> into INTERNAL with a fixed text, because exception messages can carry
/// anything (paths, payloads) and the client only needs to know that the driver failed.
/// </summary>
internal sealed class CallOutcomeInterceptor : Interceptor
{
    /// <summary>The one message a client sees for a bug of ours.</summary>
    public const string InternalErrorMessage = "internal error; see the driver log";

    private readonly TimeProvider _time;
    private readonly ILogger<CallOutcomeInterceptor> _logger;

    public CallOutcomeInterceptor(TimeProvider time, ILogger<CallOutcomeInterceptor> logger)
    {
        _time = time;
        _logger = logger;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = _time.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            DriverLog.RpcCompleted(_logger, context.Method, StatusCode.OK, _time.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (RpcException ex)
        {
            DriverLog.RpcCompleted(_logger, context.Method, ex.StatusCode, _time.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The deadline ran out (Grpc.AspNetCore has answered DEADLINE_EXCEEDED already) or the client
            // reset the stream (nobody is left to read a status).
            var status = context.Deadline <= _time.GetUtcNow().UtcDateTime ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
            DriverLog.RpcCompleted(_logger, context.Method, status, _time.GetElapsedTime(started).TotalMilliseconds);
            throw new RpcException(new Status(status, status == StatusCode.DeadlineExceeded ? "deadline exceeded before the call completed" : "call cancelled by the client"));
        }
        catch (Exception ex)
        {
            DriverLog.RpcFailedUnexpectedly(_logger, context.Method, ex);
            throw new RpcException(new Status(StatusCode.Internal, InternalErrorMessage));
        }
    }
}
