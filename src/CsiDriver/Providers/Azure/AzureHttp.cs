using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>A response read fully into memory, bounded. <see cref="ToString"/> never shows the body.</summary>
internal sealed record AzureReply(HttpStatusCode Status, HttpResponseHeaders Headers, byte[] Body)
{
    /// <summary>Why the client stopped retrying this reply, for the error message (never backend text).</summary>
    public string? Note { get; init; }

    public override string ToString() => $"HTTP {(int)Status} ({Body.Length} bytes)";
}

/// <summary>
/// The one HTTP sender for Key Vault, Entra ID, IMDS and NMI: per-request deadline, bounded body,
/// transport failures turned into errors (built by the caller's <c>fail</c>) that name the host, never
/// the request (which may carry a token or client secret).
/// </summary>
internal sealed class AzureHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;

    public AzureHttp(AzureProviderOptions options)
    {
        _client = CsiDriver.Http.BackendHttp.CreateClient(
            options.Handler ?? CsiDriver.Http.BackendHttp.CreateHandler(new CsiDriver.Http.BackendConnection()),
            ownsHandler: options.Handler is null,
            "csi-secrets-store-azure/1");
        _timeout = options.RequestTimeout;
    }

    /// <summary>Sends <paramref name="request"/>; <paramref name="fail"/> builds the error for a transport failure.</summary>
    public async Task<AzureReply> SendAsync(HttpRequestMessage request, long maxBodyBytes, Func<FailureKind, string, Exception> fail, CancellationToken cancellationToken)
    {
        var host = request.RequestUri?.Authority ?? "(unknown)";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var body = await CsiDriver.Http.BoundedContent.ReadAsync(response.Content, maxBodyBytes, deadline.Token).ConfigureAwait(false)
                ?? throw fail(FailureKind.TooLarge, $"the response from {host} is over the {maxBodyBytes}-byte limit");
            return new AzureReply(response.StatusCode, response.Headers, body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw fail(FailureKind.Timeout, $"{host} did not answer within {_timeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException ex)
        {
            throw fail(FailureKind.Unavailable, Describe(ex, host));
        }
    }

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

    public void Dispose() => _client.Dispose();
}
