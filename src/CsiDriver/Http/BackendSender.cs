namespace CsiDriver.Http;

/// <summary>An answered attempt: status, headers and the bounded body. <see cref="ToString"/> never shows the body.</summary>
internal sealed record BackendResponse(HttpStatusCode Status, string? ReasonPhrase, HttpResponseHeaders Headers, byte[] Body, int Attempts)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public override string ToString() => $"HTTP {(int)Status} ({Body.Length} bytes)";
}

/// <summary>
/// One backend's failures in its own exception type: what a timeout, an unreachable server or an oversized body
/// becomes, which answers and failures are worth another attempt, what wait the backend asked for, and who hears
/// of a retry. Messages name hosts and calls, never a request (it may carry a token) or a body beyond error text.
/// </summary>
internal abstract class BackendFailures<TException>
    where TException : Exception
{
    /// <summary>No answer (headers and the whole body) within the per-attempt timeout.</summary>
    public abstract TException Timeout(Uri endpoint, TimeSpan timeout, OperationCanceledException error);

    /// <summary>No connection, a TLS failure, or the connection dropped.</summary>
    public abstract TException Unreachable(Uri endpoint, HttpRequestException error);

    /// <summary>A body (or its declared length) over the limit.</summary>
    public abstract TException TooLarge(Uri endpoint, HttpStatusCode status, long maxBytes);

    /// <summary>The failure a non-2xx answer is when another attempt may do better; null hands the answer to the caller.</summary>
    public virtual TException? Retryable(BackendResponse response) => null;

    /// <summary>Whether a transport failure (or one thrown while building the request) is worth another attempt.</summary>
    public virtual bool IsRetryable(TException failure) => false;

    /// <summary>The wait the backend asked for before the next attempt.</summary>
    public virtual TimeSpan? RetryAfter(BackendResponse response, RetryPolicy retry) => retry.RetryAfter(response.Headers);

    /// <summary>Hears of each retry: the failure, where it went, the attempt that failed (1-based) and the wait.</summary>
    public virtual void Retrying(TException failure, Uri? endpoint, int attempt, TimeSpan delay)
    {
    }
}

/// <summary>One call to a backend: a fresh request per attempt, the per-attempt deadline, the body limit, its failures and retries.</summary>
internal sealed record BackendCall<TException>(
    Func<CancellationToken, ValueTask<HttpRequestMessage>> CreateRequest,
    TimeSpan Timeout,
    long MaxBytes,
    BackendFailures<TException> Failures,
    RetryPolicy Retry)
    where TException : Exception;

/// <summary>
/// The one send loop of the backends (Vault, AWS, Azure, GCP, the Kubernetes API): one attempt with its own deadline,
/// a bounded body, transport failures turned into the backend's exception, then retries as the backend's
/// <see cref="BackendFailures{TException}"/> and <see cref="RetryPolicy"/> decide. A caller's cancellation is passed
/// on as is, never reported as a timeout.
/// </summary>
internal static class BackendSender
{
    /// <summary>
    /// The first 2xx answer, or the last answer once no retry follows (the caller turns it into its error);
    /// a transport failure that is not retried is thrown.
    /// </summary>
    public static async Task<BackendResponse> SendAsync<TException>(HttpClient http, BackendCall<TException> call, CancellationToken cancellationToken)
        where TException : Exception
    {
        for (var attempt = 1; ; attempt++)
        {
            BackendResponse? answer = null;
            TException failure;
            TimeSpan? retryAfter = null;
            Uri? endpoint = null;
            try
            {
                using var request = await call.CreateRequest(cancellationToken).ConfigureAwait(false);
                endpoint = request.RequestUri;
                answer = await AttemptAsync(http, request, call, attempt, cancellationToken).ConfigureAwait(false);
                if (answer.IsSuccess || call.Failures.Retryable(answer) is not { } refused)
                {
                    return answer;
                }

                failure = refused;
                retryAfter = call.Failures.RetryAfter(answer, call.Retry);
            }
            catch (TException ex) when (call.Failures.IsRetryable(ex))
            {
                failure = ex;
            }

            if (call.Retry.NextDelay(attempt, retryAfter) is not { } delay)
            {
                return answer ?? throw failure;
            }

            call.Failures.Retrying(failure, endpoint, attempt, delay);
            await call.Retry.WaitAsync(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One attempt whose response headers arrive within <paramref name="timeout"/>; the body is left to the caller
    /// (a watch), who disposes the response.
    /// </summary>
    public static Task<HttpResponseMessage> OpenAsync<TException>(
        HttpClient http, HttpRequestMessage request, TimeSpan timeout, BackendFailures<TException> failures, CancellationToken cancellationToken)
        where TException : Exception =>
        GuardAsync(request, timeout, failures, deadline => http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline), cancellationToken);

    private static Task<BackendResponse> AttemptAsync<TException>(
        HttpClient http, HttpRequestMessage request, BackendCall<TException> call, int attempt, CancellationToken cancellationToken)
        where TException : Exception =>
        GuardAsync(
            request,
            call.Timeout,
            call.Failures,
            async deadline =>
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline).ConfigureAwait(false);
                var body = await BoundedContent.ReadAsync(response.Content, call.MaxBytes, deadline).ConfigureAwait(false)
                    ?? throw call.Failures.TooLarge(request.RequestUri!, response.StatusCode, call.MaxBytes);
                return new BackendResponse(response.StatusCode, response.ReasonPhrase, response.Headers, body, attempt);
            },
            cancellationToken);

    /// <summary>Runs <paramref name="work"/> under a deadline, turning the deadline and transport failures into the backend's exception.</summary>
    private static async Task<T> GuardAsync<T, TException>(
        HttpRequestMessage request, TimeSpan timeout, BackendFailures<TException> failures, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        where TException : Exception
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await work(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw failures.Timeout(request.RequestUri!, timeout, ex);
        }
        catch (HttpRequestException ex)
        {
            throw failures.Unreachable(request.RequestUri!, ex);
        }
    }
}
