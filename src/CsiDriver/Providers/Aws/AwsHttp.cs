using CsiDriver.Http;

namespace CsiDriver.Providers.Aws;

/// <summary>AWS calls on the shared <see cref="BackendSender"/>, and the service text they report.</summary>
internal static class AwsHttp
{
    /// <summary>
    /// Sends the request <paramref name="create"/> builds (once per attempt) and returns a 200 answer; any other answer
    /// becomes <paramref name="refused"/>'s error, retried as <see cref="AwsServiceException.IsRetryable"/> says.
    /// </summary>
    public static async Task<BackendResponse> SendAsync(
        HttpClient http,
        Func<HttpRequestMessage> create,
        TimeSpan timeout,
        long maxBytes,
        AwsFailures failures,
        RetryPolicy retry,
        CancellationToken cancellationToken)
    {
        var response = await BackendSender.SendAsync(
            http, new BackendCall<AwsServiceException>(_ => ValueTask.FromResult(create()), timeout, maxBytes, failures, retry), cancellationToken).ConfigureAwait(false);
        return response.Status == HttpStatusCode.OK ? response : throw failures.Refused(response);
    }

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
internal sealed class AwsFailures(string operation, Func<BackendResponse, AwsServiceException> refused, Action<AwsServiceException, Uri?, int, TimeSpan>? retrying)
    : BackendFailures<AwsServiceException>
{
    /// <summary>The error of a non-200 answer.</summary>
    public AwsServiceException Refused(BackendResponse response) => refused(response);

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

    public override void Retrying(AwsServiceException failure, Uri? endpoint, int attempt, TimeSpan delay) => retrying?.Invoke(failure, endpoint, attempt, delay);

    private static string Endpoint(Uri uri) => $"{uri.Scheme}://{uri.Authority}";
}
