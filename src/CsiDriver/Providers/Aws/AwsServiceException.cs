namespace CsiDriver.Providers.Aws;

/// <summary>
/// A failed AWS call: the service's error code and message (never a request body, a secret value
/// or a token), or a transport failure when <see cref="StatusCode"/> is null.
/// </summary>
internal sealed class AwsServiceException(string operation, HttpStatusCode? statusCode, string errorCode, string message, string? requestId, Exception? inner = null)
    : Exception(Describe(operation, statusCode, errorCode, message, requestId), inner)
{
    public string Operation { get; } = operation;

    public HttpStatusCode? StatusCode { get; } = statusCode;

    public string ErrorCode { get; } = errorCode;

    public string ServiceMessage { get; } = message;

    public string? RequestId { get; } = requestId;

    /// <summary>Upstream's prefix naming where and what failed, e.g. <c>us-east-1: Failed fetching secret MySecret: </c>.</summary>
    public string Context { get; private init; } = string.Empty;

    public override string Message => Context + base.Message;

    /// <summary>A client fault (4xx other than throttling): retrying or failing over will not help.</summary>
    public bool IsClientFault => StatusCode is { } s && (int)s is >= 400 and < 500 && !AwsRetryPolicy.IsThrottling(this);

    /// <summary>
    /// This failure as one object's (or one batch's) fetch in <paramref name="region"/>, wrapping it: a new exception,
    /// because a read shared between volumes hands the same cause to each of them.
    /// </summary>
    public AwsServiceException In(string region, string subject) =>
        new(Operation, StatusCode, ErrorCode, ServiceMessage, RequestId, this) { Context = $"{region}: {subject}: " };

    private static string Describe(string operation, HttpStatusCode? statusCode, string errorCode, string message, string? requestId) =>
        statusCode is { } s
            ? $"operation error {operation}, https response error StatusCode: {(int)s}, RequestID: {requestId ?? "-"}, {errorCode}: {message}"
            : $"operation error {operation}, {errorCode}: {message}";
}
