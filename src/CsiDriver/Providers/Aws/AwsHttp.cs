using System.Net;

namespace CsiDriver.Providers.Aws;

/// <summary>Sends one HTTP attempt with a timeout and reads a bounded body; transport failures become <see cref="AwsServiceException"/>.</summary>
internal static class AwsHttp
{
    public static async Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> SendAsync(
        HttpClient http, HttpRequestMessage request, string operation, TimeSpan timeout, long maxBytes, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, operation, maxBytes, attempt.Token).ConfigureAwait(false);
            return (response.StatusCode, body, response);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AwsServiceException(operation, null, "RequestTimeout", $"no answer from {Endpoint(request)} within {timeout.TotalSeconds:0.#}s", null);
        }
        catch (HttpRequestException ex)
        {
            // The exception text names the host and the socket error, never the request body.
            throw new AwsServiceException(operation, null, "RequestError", $"cannot reach {Endpoint(request)}: {ex.Message}", null, ex);
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, string operation, long maxBytes, CancellationToken cancellationToken)
    {
        var body = await CsiDriver.Http.BoundedContent.ReadAsync(response.Content, maxBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            response.Dispose();
            throw new AwsServiceException(operation, null, "ResponseTooLarge", $"response is over the {maxBytes}-byte limit", null);
        }

        return body;
    }

    private static string Endpoint(HttpRequestMessage request) =>
        request.RequestUri is { } uri ? $"{uri.Scheme}://{uri.Authority}" : "the endpoint";

    public static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var values) || response.Headers.TryGetValues("x-amz-request-id", out values)
            ? values.FirstOrDefault()
            : null;

    /// <summary>Service text is shown to users: bounded and stripped of control characters.</summary>
    public static string Clean(string? text, int max = 300)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var chars = text.Where(c => !char.IsControl(c)).Take(max + 1).ToArray();
        var cleaned = new string(chars, 0, Math.Min(chars.Length, max));
        return chars.Length > max ? cleaned + "…" : cleaned;
    }
}
