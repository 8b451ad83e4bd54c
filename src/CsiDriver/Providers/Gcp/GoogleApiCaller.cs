using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// Sends one Google REST call with a deadline, bounded jittered retries on 429/5xx/connection
/// errors, a bounded response read, and Google JSON error bodies mapped to <see cref="FailureKind"/>.
/// Every attempt that goes on the wire counts as backend call <c>gcp/{call}</c>. One pooled client serves every Google endpoint.
/// </summary>
internal sealed class GoogleApiCaller(GcpProviderOptions options, TimeProvider time, Random random, ILogger<GoogleApiCaller> logger, Observability.DriverMetrics metrics) : IDisposable
{
    /// <summary>The most a token or metadata answer may hold.</summary>
    public const long TokenResponseLimit = 64 * 1024;

    private const int MaxErrorMessageChars = 400;

    private readonly Http.RetryPolicy _retry = new(options.Retry, time, random.NextDouble);
    private readonly HttpClient _http = Http.BackendHttp.CreateClient(new Http.BackendConnection(), $"csi-secrets-store-gcp/{typeof(GcpProvider).Assembly.GetName().Version}");

    /// <summary>Sends the request <paramref name="create"/> builds (once per attempt) and parses a 2xx body as <typeparamref name="T"/>.</summary>
    /// <param name="call">The backend call's metric name (<c>access_version</c>, <c>sts_token</c>...).</param>
    /// <param name="redact">Values that must never appear in an error message (tokens sent in the request).</param>
    public async Task<T> SendAsync<T>(
        string call,
        Func<HttpRequestMessage> create,
        JsonTypeInfo<T> type,
        long maxResponseBytes,
        IReadOnlyList<string> redact,
        CancellationToken cancellationToken) =>
        Http.BackendJson.Parse(
            await SendForBytesAsync(call, create, maxResponseBytes, redact, cancellationToken).ConfigureAwait(false),
            type,
            () => new GoogleApiException(FailureKind.Unavailable, "rpc error: code = Internal desc = empty JSON response"),
            () => new GoogleApiException(FailureKind.Unavailable, "rpc error: code = Internal desc = response is not the expected JSON"));

    /// <summary>As <see cref="SendAsync{T}"/>, returning the raw 2xx body (the metadata server answers in plain text).</summary>
    public async Task<byte[]> SendForBytesAsync(
        string call,
        Func<HttpRequestMessage> create,
        long maxResponseBytes,
        IReadOnlyList<string> redact,
        CancellationToken cancellationToken)
    {
        var response = await CsiDriver.Http.BackendSender.SendAsync(
            _http,
            new CsiDriver.Http.BackendCall<GoogleApiException>(
                _ =>
                {
                    metrics.BackendCall(GcpProvider.ProviderName, call);
                    return ValueTask.FromResult(create());
                },
                options.RequestTimeout,
                maxResponseBytes,
                new GoogleFailures(redact, logger),
                _retry),
            cancellationToken).ConfigureAwait(false);
        return response.IsSuccess ? response.Body : throw MapError(response.Status, response.Body, redact);
    }

    public void Dispose() => _http.Dispose();

    internal static GoogleApiException MapError(HttpStatusCode status, byte[] body, IReadOnlyList<string> redact)
    {
        var error = Http.BackendJson.TryParse(body, GcpJsonContext.Default.GoogleErrorEnvelope)?.Error;

        var message = error?.Message is { Length: > 0 } m ? Clean(m, redact) : null;
        if (message is null && Http.BackendJson.TryParse(body, GcpJsonContext.Default.OAuthTokenResponse) is { Error: { } code } oauth)
        {
            // OAuth endpoints (STS, token URIs) answer {"error":"invalid_grant","error_description":"..."}.
            message = Clean(oauth.ErrorDescription is { } description ? $"{code}: {description}" : code, redact);
        }

        var statusName = string.IsNullOrEmpty(error?.Status) ? StatusFromHttp(status) : error!.Status!;
        var kind = KindOf(statusName, status);
        message ??= $"HTTP {(int)status} without a Google error body";
        return new GoogleApiException(kind, $"rpc error: code = {GrpcCodeName(statusName)} desc = {message}");
    }

    private static FailureKind KindOf(string statusName, HttpStatusCode status) => statusName switch
    {
        "NOT_FOUND" => FailureKind.NotFound,
        "PERMISSION_DENIED" or "UNAUTHENTICATED" => FailureKind.PermissionDenied,
        "INVALID_ARGUMENT" or "FAILED_PRECONDITION" or "OUT_OF_RANGE" => FailureKind.InvalidConfiguration,
        "DEADLINE_EXCEEDED" => FailureKind.Timeout,
        "RESOURCE_EXHAUSTED" or "UNAVAILABLE" or "INTERNAL" or "ABORTED" or "UNKNOWN" => FailureKind.Unavailable,
        _ => (int)status >= 500 || status == HttpStatusCode.TooManyRequests ? FailureKind.Unavailable : FailureKind.InvalidConfiguration,
    };

    private static string StatusFromHttp(HttpStatusCode status) => (int)status switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        >= 500 => "INTERNAL",
        _ => "UNKNOWN",
    };

    /// <summary><c>NOT_FOUND</c> as gRPC names the code: <c>NotFound</c>.</summary>
    private static string GrpcCodeName(string statusName)
    {
        var words = statusName.Split('_')
            .Select(w => new string(w.Where(char.IsAsciiLetterOrDigit).ToArray()))
            .Where(w => w.Length > 0)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant());
        return string.Concat(words) is { Length: > 0 } name ? name : "Unknown";
    }

    /// <summary>Backend text made safe for a pod event: no control characters, no sent secrets, bounded.</summary>
    internal static string Clean(string text, IReadOnlyList<string> redact)
    {
        foreach (var value in redact.Where(value => value.Length > 0))
        {
            text = text.Replace(value, "[redacted]", StringComparison.Ordinal);
        }

        return Http.ErrorText.Flatten(text, MaxErrorMessageChars);
    }
}

/// <summary>
/// Google's failures: 429, 5xx and the retryable <c>google.rpc</c> codes, timeouts and connection errors are retried
/// (the longer of the backoff and a <c>Retry-After</c>); sent tokens are cut out of error text.
/// </summary>
internal sealed class GoogleFailures(IReadOnlyList<string> redact, ILogger logger) : CsiDriver.Http.BackendFailures<GoogleApiException>
{
    public override GoogleApiException Timeout(Uri endpoint, TimeSpan timeout, OperationCanceledException error) =>
        new(FailureKind.Timeout, $"rpc error: code = DeadlineExceeded desc = no answer from {endpoint.Host} within {timeout.TotalSeconds:0.###}s");

    public override GoogleApiException Unreachable(Uri endpoint, HttpRequestException error) =>
        new(FailureKind.Unavailable, $"rpc error: code = Unavailable desc = cannot reach {endpoint.Host}: {error.HttpRequestError}");

    public override GoogleApiException TooLarge(Uri endpoint, HttpStatusCode status, long maxBytes) =>
        new(FailureKind.TooLarge, $"response is larger than {maxBytes} bytes (--max-object-bytes)");

    public override GoogleApiException? Retryable(CsiDriver.Http.BackendResponse response) =>
        GoogleApiCaller.MapError(response.Status, response.Body, redact) is var failure && IsRetryable(failure) ? failure : null;

    public override bool IsRetryable(GoogleApiException failure) => failure.Kind is FailureKind.Unavailable or FailureKind.Timeout;

    public override void Retrying(GoogleApiException failure, Uri? endpoint, int attempt, TimeSpan delay) =>
        GcpLog.Retrying(logger, endpoint?.Host ?? "?", attempt, delay.TotalMilliseconds, failure.Kind);
}
