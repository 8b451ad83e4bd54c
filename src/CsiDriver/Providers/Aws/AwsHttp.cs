using CsiDriver.Http;
using CsiDriver.Observability;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// AWS calls on the shared <see cref="BackendSender"/> with one retry policy: every attempt counted as a backend call
/// (AWS counts and throttles retries too), every retry logged; and the service text the calls report.
/// </summary>
internal sealed class AwsHttp(HttpClient http, RetryPolicy retry, ILogger logger, DriverMetrics metrics)
{
    /// <summary>
    /// Sends the request <paramref name="create"/> builds (once per attempt, counted as backend call <paramref name="call"/>)
    /// and returns a 200 answer; any other answer becomes <paramref name="refused"/>'s error, retried as
    /// <see cref="AwsServiceException.IsRetryable"/> says.
    /// </summary>
    /// <param name="where">The region or host the retry log names.</param>
    public async Task<BackendResponse> SendAsync(
        string operation,
        string where,
        string call,
        Func<HttpRequestMessage> create,
        TimeSpan timeout,
        long maxBytes,
        Func<BackendResponse, AwsServiceException> refused,
        CancellationToken cancellationToken)
    {
        var response = await BackendSender.SendAsync(
            http,
            new BackendCall<AwsServiceException>(
                _ =>
                {
                    metrics.BackendCall("aws", call);
                    return ValueTask.FromResult(create());
                },
                timeout,
                maxBytes,
                new AwsFailures(operation, where, refused, logger),
                retry),
            cancellationToken).ConfigureAwait(false);
        return response.Status == HttpStatusCode.OK ? response : throw refused(response);
    }

    /// <summary>The error of a refused answer: the service's code (else <c>Http&lt;status&gt;</c>) and text (else the reason phrase), cleaned.</summary>
    public static AwsServiceException Refused(string operation, BackendResponse response, string? code, string? text, string? requestId) =>
        new(operation, response.Status, ErrorText.Clean(code ?? $"Http{(int)response.Status}", 100), Clean(text ?? response.ReasonPhrase), requestId);

    public static string? RequestId(BackendResponse response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var values) || response.Headers.TryGetValues("x-amz-request-id", out values)
            ? values.FirstOrDefault()
            : null;

    /// <summary>Service text is shown to users: at most 300 characters, no control characters.</summary>
    public static string Clean(string? text) => ErrorText.Clean(text, 300);
}

/// <summary>
/// One AWS operation's failures: transport failures, throttling, 5xx and <c>IDPCommunicationError</c> are retried
/// (as the AWS SDKs do; <c>Retry-After</c> is not an AWS convention), an answer's error is built by the caller's
/// protocol (JSON, Query/XML, the container credentials endpoint).
/// </summary>
internal sealed class AwsFailures(string operation, string where, Func<BackendResponse, AwsServiceException> refused, ILogger logger)
    : BackendFailures<AwsServiceException>
{
    public override AwsServiceException Timeout(Uri endpoint, TimeSpan timeout, OperationCanceledException error) =>
        new(operation, null, "RequestTimeout", $"no answer from {Endpoint(endpoint)} within {timeout.TotalSeconds:0.#}s", null);

    // The exception text names the host and the socket error, never the request body.
    public override AwsServiceException Unreachable(Uri endpoint, HttpRequestException error) =>
        new(operation, null, "RequestError", $"cannot reach {Endpoint(endpoint)}: {error.Message}", null, error);

    public override AwsServiceException TooLarge(Uri endpoint, HttpStatusCode status, long maxBytes) =>
        new(operation, null, "ResponseTooLarge", $"response is over the {maxBytes}-byte limit", null);

    public override AwsServiceException? Retryable(BackendResponse response) =>
        response.Status != HttpStatusCode.OK && refused(response) is { IsRetryable: true } error ? error : null;

    public override bool IsRetryable(AwsServiceException failure) => failure.IsRetryable;

    public override TimeSpan? RetryAfter(BackendResponse response, RetryPolicy retry) => null;

    public override void Retrying(AwsServiceException failure, Uri? endpoint, int attempt, TimeSpan delay) =>
        AwsLog.Retrying(logger, operation, where, failure.ErrorCode, attempt, delay.TotalMilliseconds);

    private static string Endpoint(Uri uri) => $"{uri.Scheme}://{uri.Authority}";
}
