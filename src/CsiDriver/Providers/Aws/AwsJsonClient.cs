using CsiDriver.Http;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// The AWS JSON 1.1 protocol: <c>POST /</c> with <c>X-Amz-Target</c>, SigV4-signed, errors from
/// <c>__type</c> / <c>message</c>, retried on throttling, 5xx and network errors. Each attempt counts as a backend
/// call named after the operation (<c>csi_secrets_store_backend_calls_total{provider="aws"}</c>).
/// Used by <see cref="SecretsManagerClient"/> and <see cref="SsmClient"/>.
/// </summary>
internal sealed class AwsJsonClient(AwsHttp http, AwsProviderOptions options, TimeProvider time)
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.1");

    /// <summary>
    /// Calls <paramref name="target"/> (<c>service.Operation</c>), counted as backend call <c>operation</c> in snake case;
    /// the request and the response are types of <see cref="AwsJsonContext"/>.
    /// </summary>
    public async Task<TResponse> InvokeAsync<TResponse>(AwsEndpoint endpoint, AwsCredentials credentials, string target, object request, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), AwsJsonContext.Default);
        var name = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
        var operation = $"{endpoint.ServiceLabel}: {name}";
        var response = await http.SendAsync(
            operation,
            endpoint.Region,
            JsonNamingPolicy.SnakeCaseLower.ConvertName(name),
            () =>
            {
                var message = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = JsonContentType;
                message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
                SigV4Signer.Sign(message, body, credentials, endpoint.Region, endpoint.SigningName, time.GetUtcNow());
                return message;
            },
            options.AttemptTimeout,
            options.MaxResponseBytes,
            response => Error(operation, response),
            cancellationToken).ConfigureAwait(false);
        return BackendJson.Parse(
            response.Body,
            (JsonTypeInfo<TResponse>)AwsJsonContext.Default.GetTypeInfo(typeof(TResponse))!,
            () => new AwsServiceException(operation, response.Status, "InvalidResponse", "empty response body", AwsHttp.RequestId(response)),
            () => new AwsServiceException(operation, response.Status, "InvalidResponse", "response is not the expected JSON", AwsHttp.RequestId(response)));
    }

    private static AwsServiceException Error(string operation, BackendResponse response)
    {
        var error = BackendJson.TryParse(response.Body, AwsJsonContext.Default.AwsJsonError);
        var code = error?.Type;
        var text = error?.Message ?? error?.MessageUpper;

        if (string.IsNullOrEmpty(code) && response.Headers.TryGetValues("X-Amzn-ErrorType", out var types))
        {
            code = types.FirstOrDefault()?.Split(':')[0];
        }

        return AwsHttp.Refused(operation, response, string.IsNullOrEmpty(code) ? null : code[(code.LastIndexOf('#') + 1)..], text, AwsHttp.RequestId(response));
    }
}

/// <summary>Where one service in one region is reached and how requests to it are signed.</summary>
internal sealed record AwsEndpoint(Uri Url, string Region, string SigningName, string ServiceLabel);
