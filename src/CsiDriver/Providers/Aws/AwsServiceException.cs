using System.Collections.Frozen;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// A failed AWS call: the service's error code and message (never a request body, a secret value
/// or a token), or a transport failure when <see cref="StatusCode"/> is null.
/// </summary>
internal sealed class AwsServiceException(string operation, HttpStatusCode? statusCode, string errorCode, string message, string? requestId, Exception? inner = null)
    : Exception(Describe(operation, statusCode, errorCode, message, requestId), inner)
{
    private static readonly FrozenSet<string> ThrottlingCodes = FrozenSet.Create(
        StringComparer.Ordinal,
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException");

    public string Operation { get; } = operation;

    public HttpStatusCode? StatusCode { get; } = statusCode;

    public string ErrorCode { get; } = errorCode;

    public string ServiceMessage { get; } = message;

    public string? RequestId { get; } = requestId;

    /// <summary>Upstream's prefix naming where and what failed, e.g. <c>us-east-1: Failed fetching secret MySecret: </c>.</summary>
    public string Context { get; private init; } = string.Empty;

    public override string Message => Context + base.Message;

    /// <summary>A client fault (4xx other than throttling): retrying or failing over will not help.</summary>
    public bool IsClientFault => StatusCode is { } s && (int)s is >= 400 and < 500 && !IsThrottling;

    /// <summary>Throttling, 5xx and transport failures (no status) are worth another attempt, as the AWS SDKs retry them.</summary>
    public bool IsRetryable => IsThrottling || StatusCode is null || (int)StatusCode >= 500 || ErrorCode is "IDPCommunicationError";

    private bool IsThrottling => StatusCode == HttpStatusCode.TooManyRequests || ThrottlingCodes.Contains(ErrorCode);

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
