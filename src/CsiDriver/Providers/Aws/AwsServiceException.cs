using System.Net;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// A failed AWS call: the service's error code and message (never a request body, a secret value
/// or a token), or a transport failure when <see cref="StatusCode"/> is null.
/// </summary>
internal sealed class AwsServiceException : Exception
{
    public AwsServiceException(string operation, HttpStatusCode? statusCode, string errorCode, string message, string? requestId, Exception? inner = null)
        : base(Describe(operation, statusCode, errorCode, message, requestId), inner)
    {
        Operation = operation;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ServiceMessage = message;
        RequestId = requestId;
    }

    public string Operation { get; }

    public HttpStatusCode? StatusCode { get; }

    public string ErrorCode { get; }

    public string ServiceMessage { get; }

    public string? RequestId { get; }

    /// <summary>A client fault (4xx other than throttling): retrying or failing over will not help.</summary>
    public bool IsClientFault => StatusCode is { } s && (int)s is >= 400 and < 500 && !AwsRetryPolicy.IsThrottling(this);

    private static string Describe(string operation, HttpStatusCode? statusCode, string errorCode, string message, string? requestId) =>
        statusCode is { } s
            ? $"operation error {operation}, https response error StatusCode: {(int)s}, RequestID: {requestId ?? "-"}, {errorCode}: {message}"
            : $"operation error {operation}, {errorCode}: {message}";
}
