namespace CsiDriver.Kubernetes;

/// <summary>One API request: verb, escaped path, optional JSON body, and a description for errors.</summary>
internal sealed record KubernetesRequest(HttpMethod Method, string Path, string Call, byte[]? Body = null, string ContentType = "application/json");

/// <summary>
/// HTTP to the API server: TLS verified against the configured CA, bearer token or client certificate,
/// a per-attempt timeout, bounded retries with jittered backoff on 429/5xx/timeouts (honouring
/// <c>Retry-After</c>), one token refresh on 401, and API <c>Status</c> bodies turned into
/// <see cref="KubernetesApiException"/>. Knows nothing of the resources it carries.
/// </summary>
internal sealed class KubernetesTransport(
    KubernetesConnection connection, bool withClientCertificate, KubernetesClientOptions options, TimeProvider time, Func<double> random, ILogger logger) : IDisposable
{
    // Only the configured CA may sign the API server's certificate; the system store is not consulted.
    private readonly HttpClient _http = Http.BackendHttp.CreateClient(
        new Http.BackendConnection
        {
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            ConnectTimeout = options.ConnectTimeout,
            UseProxy = false,
            TrustedRoots = connection.CertificateAuthorities.Count > 0 ? connection.CertificateAuthorities : null,
            ClientCertificate = withClientCertificate ? connection.ClientCertificate : null,
        },
        options.UserAgent);

    private readonly KubernetesClientOptions _options = options;
    private readonly Http.RetryPolicy _retry = new(options.Retry, time, random);

    public Uri Server { get; } = connection.Server;

    public async Task<T> SendAsync<T>(KubernetesRequest request, IBearerTokenSource credentials, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
    {
        KubernetesApiException BadResponse(string what) => new(KubernetesErrorKind.BadResponse, null, request.Call, null, what);
        var body = await SendAsync(request, credentials, cancellationToken).ConfigureAwait(false);
        return Http.BackendJson.Parse(body, responseType, () => BadResponse("empty response"), () => BadResponse("the response is not the expected JSON"));
    }

    /// <summary>Sends with retries; returns the success body.</summary>
    public async Task<byte[]> SendAsync(KubernetesRequest request, IBearerTokenSource credentials, CancellationToken cancellationToken)
    {
        var call = new Http.BackendCall<KubernetesApiException>(
            ct => new ValueTask<HttpRequestMessage>(CreateMessageAsync(request, credentials, ct)), _options.RequestTimeout, _options.MaxResponseBytes, new KubernetesApiFailures(request.Call, logger), _retry);
        var response = await Http.BackendSender.SendAsync(_http, call, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Unauthorized && credentials.Invalidate())
        {
            // A projected token may have rotated between our read and the call: read it again once.
            response = await Http.BackendSender.SendAsync(_http, call, cancellationToken).ConfigureAwait(false);
        }

        return response.IsSuccess ? response.Body : throw KubernetesApiFailures.ToException(request.Call, response.Status, response.Body);
    }

    /// <summary>
    /// Opens a long-lived response (a watch) and returns its body stream once a 2xx status arrived: one attempt,
    /// the request timeout bounds only the wait for the headers, and the caller disposes the response.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(KubernetesRequest request, IBearerTokenSource credentials, CancellationToken cancellationToken)
    {
        using var message = await CreateMessageAsync(request, credentials, cancellationToken).ConfigureAwait(false);
        var failures = new KubernetesApiFailures(request.Call, logger);
        var response = await Http.BackendSender.OpenAsync(_http, message, _options.RequestTimeout, failures, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await Http.BoundedContent.ReadAsync(response.Content, _options.MaxResponseBytes, cancellationToken).ConfigureAwait(false)
                ?? throw failures.TooLarge(Server, response.StatusCode, _options.MaxResponseBytes);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                credentials.Invalidate();
            }

            throw KubernetesApiFailures.ToException(request.Call, response.StatusCode, body);
        }
    }

    private async Task<HttpRequestMessage> CreateMessageAsync(KubernetesRequest request, IBearerTokenSource credentials, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(request.Method, new Uri(Server, request.Path));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var token = await credentials.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType);
        }

        return message;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// The API server's failures: 429, 5xx, timeouts and unreachable servers are retried, waiting what
/// <c>Retry-After</c> or the <c>Status</c> body's <c>retryAfterSeconds</c> asks; <c>Status</c> bodies become
/// <see cref="KubernetesApiException"/>s.
/// </summary>
internal sealed class KubernetesApiFailures(string call, ILogger logger) : Http.BackendFailures<KubernetesApiException>
{
    public override KubernetesApiException Timeout(Uri endpoint, TimeSpan timeout, OperationCanceledException error) =>
        new(KubernetesErrorKind.Timeout, null, call, null, $"no answer within {timeout.TotalSeconds:0.#}s");

    public override KubernetesApiException Unreachable(Uri endpoint, HttpRequestException error) =>
        new(KubernetesErrorKind.Unreachable, null, call, null, $"cannot reach {endpoint.Host}:{endpoint.Port}: {Describe(error)}", error);

    public override KubernetesApiException TooLarge(Uri endpoint, HttpStatusCode status, long maxBytes) =>
        new(KubernetesErrorKind.BadResponse, status, call, null, $"response is over the {maxBytes}-byte limit");

    public override KubernetesApiException? Retryable(Http.BackendResponse response) =>
        ToException(call, response.Status, response.Body) is { IsTransient: true } failure ? failure : null;

    public override bool IsRetryable(KubernetesApiException failure) => failure.IsTransient;

    public override TimeSpan? RetryAfter(Http.BackendResponse response, Http.RetryPolicy retry) =>
        retry.RetryAfter(response.Headers) ?? (TryParseStatus(response.Body)?.Details?.RetryAfterSeconds is int seconds and > 0 ? TimeSpan.FromSeconds(seconds) : null);

    public override void Retrying(KubernetesApiException failure, Uri? endpoint, int attempt, TimeSpan delay) =>
        KubernetesLog.Retrying(logger, call, failure.Kind.ToString(), attempt, delay.TotalMilliseconds);

    public static KubernetesApiException ToException(string call, HttpStatusCode status, byte[] body)
    {
        var parsed = TryParseStatus(body);
        return new KubernetesApiException(KubernetesApiException.KindFor(status), status, call, parsed?.Reason, parsed?.Message is { } message ? Http.ErrorText.Bound(message, 512, "...") : null);
    }

    private static KubeStatus? TryParseStatus(byte[] body) =>
        Http.BackendJson.TryParse(body, KubernetesJsonContext.Default.KubeStatus) is { Kind: "Status" } status ? status : null;

    private static string Describe(HttpRequestException ex) =>
        ex.InnerException is System.Security.Authentication.AuthenticationException
            ? "TLS handshake failed (is the server certificate signed by the configured CA?)"
            : ex.HttpRequestError.ToString();
}
