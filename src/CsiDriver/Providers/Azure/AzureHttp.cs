using System.Net.Sockets;
using System.Security.Authentication;
using CsiDriver.Http;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// The HTTP client of Key Vault, Entra ID, IMDS and NMI, sending on the shared <see cref="BackendSender"/>:
/// per-request deadline, bounded body, transport failures as <see cref="AzureReadException"/>s (built by the
/// caller's <c>fail</c>) that name the host, never the request (which may carry a token or client secret).
/// </summary>
internal sealed class AzureHttp(AzureProviderOptions options) : IDisposable
{
    private readonly HttpClient _client = BackendHttp.CreateClient(
        options.Handler ?? BackendHttp.CreateHandler(new BackendConnection()),
        ownsHandler: options.Handler is null,
        "csi-secrets-store-azure/1");

    /// <summary>
    /// Sends the request <paramref name="create"/> builds (afresh per attempt); a 429 is sent again as
    /// <paramref name="retry"/> allows, and <paramref name="throttled"/> hears of each wait. Every answer is returned.
    /// </summary>
    public Task<BackendResponse> SendAsync(
        Func<HttpRequestMessage> create, long maxBodyBytes, Func<FailureKind, string, AzureReadException> fail, RetryPolicy retry, Action<int, TimeSpan>? throttled, CancellationToken cancellationToken) =>
        BackendSender.SendAsync(
            _client,
            new BackendCall<AzureReadException>(_ => ValueTask.FromResult(create()), options.RequestTimeout, maxBodyBytes, new AzureFailures(fail, throttled), retry),
            cancellationToken);

    public void Dispose() => _client.Dispose();

    /// <summary>Azure's transport failures; only a throttled answer is sent again (Key Vault did not process it).</summary>
    private sealed class AzureFailures(Func<FailureKind, string, AzureReadException> fail, Action<int, TimeSpan>? throttled) : BackendFailures<AzureReadException>
    {
        public override AzureReadException Timeout(Uri endpoint, TimeSpan timeout, OperationCanceledException error) =>
            fail(FailureKind.Timeout, $"{endpoint.Authority} did not answer within {timeout.TotalSeconds:0.#}s");

        public override AzureReadException Unreachable(Uri endpoint, HttpRequestException error) => fail(FailureKind.Unavailable, Describe(error, endpoint.Authority));

        public override AzureReadException TooLarge(Uri endpoint, HttpStatusCode status, long maxBytes) =>
            fail(FailureKind.TooLarge, $"the response from {endpoint.Authority} is over the {maxBytes}-byte limit");

        public override AzureReadException? Retryable(BackendResponse response) =>
            response.Status == HttpStatusCode.TooManyRequests ? fail(FailureKind.Unavailable, "throttled") : null;

        public override void Retrying(AzureReadException failure, Uri? endpoint, int attempt, TimeSpan delay) => throttled?.Invoke(attempt, delay);

        private static string Describe(HttpRequestException ex, string host)
        {
            for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
            {
                if (inner is AuthenticationException)
                {
                    return $"TLS handshake with {host} failed: the server certificate is not trusted or does not match (SSL_CERT_FILE / SSL_CERT_DIR set the trusted CAs)";
                }

                if (inner is SocketException socket)
                {
                    return $"could not connect to {host}: {socket.SocketErrorCode}";
                }
            }

            return $"request to {host} failed: {ex.HttpRequestError}";
        }
    }
}
