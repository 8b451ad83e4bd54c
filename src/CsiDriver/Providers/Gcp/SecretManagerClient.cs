// Google REST calls covered (Authorization: Bearer <access token>):
// Backend-call metric names: access_version (:access), render_version (:render).
//   GET {secretmanager}/v1/projects/{p}/secrets/{s}/versions/{v}:access                 (global)
//   GET {secretmanager.{loc}.rep}/v1/projects/{p}/locations/{loc}/secrets/{s}/versions/{v}:access  (regional)
//   GET {parametermanager[.{loc}.rep]}/v1/projects/{p}/locations/{loc}/parameters/{x}/versions/{v}:render
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>A fetched resource: decoded payload and the version to report.</summary>
internal sealed record FetchedResource(byte[] Payload, string Version)
{
    public override string ToString() => $"{Version} ({Payload.Length} bytes)";
}

/// <summary>Reads secret versions (Secret Manager) and renders parameter versions (Parameter Manager).</summary>
internal sealed partial class SecretManagerClient(GoogleApiCaller caller, GcpProviderOptions options)
{
    public Task<FetchedResource> FetchAsync(GcpResourceName resource, string accessToken, CancellationToken cancellationToken) =>
        resource.Kind == GcpResourceKind.SecretVersion
            ? AccessAsync(resource, accessToken, cancellationToken)
            : RenderAsync(resource, accessToken, cancellationToken);

    private async Task<FetchedResource> AccessAsync(GcpResourceName resource, string accessToken, CancellationToken cancellationToken)
    {
        var uri = resource.MethodUri(BaseUri(options.SecretManagerEndpoint, options.RegionalSecretManagerEndpoint, resource.Location));
        var response = await caller.SendAsync("access_version", () => Send(HttpMethod.Get, uri, accessToken, null), GcpJsonContext.Default.GcpSecretVersion, MaxResponseBytes, [accessToken], cancellationToken).ConfigureAwait(false);
        var payload = Decode(response.Payload?.Data);
        if (response.Payload?.DataCrc32C is { } expected && Crc32C.Compute(payload) != (ulong)expected)
        {
            throw new GoogleApiException(
                FailureKind.Unavailable,
                "rpc error: code = DataLoss desc = integrity check failed: the CRC32C of the received payload does not match dataCrc32c (corrupted in transit or by a proxy)");
        }

        return new FetchedResource(payload, string.IsNullOrEmpty(response.Name) ? resource.Value : response.Name);
    }

    private async Task<FetchedResource> RenderAsync(GcpResourceName resource, string accessToken, CancellationToken cancellationToken)
    {
        var uri = resource.MethodUri(BaseUri(options.ParameterManagerEndpoint, options.RegionalParameterManagerEndpoint, resource.Location));
        var response = await caller.SendAsync("render_version", () => Send(HttpMethod.Get, uri, accessToken, null), GcpJsonContext.Default.RenderParameterVersionResponse, MaxResponseBytes, [accessToken], cancellationToken).ConfigureAwait(false);
        var payload = Decode(response.RenderedPayload);
        return new FetchedResource(payload, string.IsNullOrEmpty(response.ParameterVersion) ? resource.Value : response.ParameterVersion);
    }

    private long MaxResponseBytes => (options.MaxObjectBytes * 4 / 3) + (64 * 1024);

    private byte[] Decode(string? base64)
    {
        byte[] payload;
        try
        {
            payload = string.IsNullOrEmpty(base64) ? [] : Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new GoogleApiException(FailureKind.Unavailable, "rpc error: code = Internal desc = payload data is not valid base64");
        }

        return payload.Length > options.MaxObjectBytes
            ? throw new GoogleApiException(FailureKind.TooLarge, $"payload is {payload.Length} bytes, over the {options.MaxObjectBytes}-byte limit (--max-object-bytes)")
            : payload;
    }

    private static Uri BaseUri(Uri global, string regionalTemplate, string? location) =>
        location is null ? global : new Uri(regionalTemplate.Replace("{location}", location, StringComparison.Ordinal));

    private static HttpRequestMessage Send(HttpMethod method, Uri uri, string accessToken, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }
}
