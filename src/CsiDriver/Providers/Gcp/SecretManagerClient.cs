// Google REST calls covered (Authorization: Bearer <access token>); backend-call metric names in brackets.
// Reads:
//   GET {secretmanager}/v1/projects/{p}/secrets/{s}/versions/{v}:access                 (global)   [access_version]
//   GET {secretmanager.{loc}.rep}/v1/projects/{p}/locations/{loc}/secrets/{s}/versions/{v}:access  (regional)
//   GET {parametermanager[.{loc}.rep]}/v1/projects/{p}/locations/{loc}/parameters/{x}/versions/{v}:render  [render_version]
// Listing and writes, under the global or regional Secret Manager endpoint:
//   GET    /v1/{parent}/secrets?pageSize=&pageToken=          [list_secrets]  (parent: projects/{p} or projects/{p}/locations/{loc})
//   GET    /v1/{parent}/secrets/{s}                           [get_secret]
//   POST   /v1/{parent}/secrets?secretId={s}                  [create_secret] (labels; automatic replication when global)
//   POST   /v1/{parent}/secrets/{s}:addVersion                [add_version]   (payload data + dataCrc32c)
//   DELETE /v1/{parent}/secrets/{s}                           [delete_secret]
using System.Net.Http.Json;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>A fetched resource: decoded payload and the version to report.</summary>
internal sealed record FetchedResource(byte[] Payload, string Version)
{
    public override string ToString() => $"{Version} ({Payload.Length} bytes)";
}

/// <summary>
/// Reads secret versions (Secret Manager) and renders parameter versions (Parameter Manager); lists, describes, creates,
/// adds versions to and deletes secrets (the gcpsm store).
/// </summary>
internal sealed class SecretManagerClient(GoogleApiCaller caller, GcpProviderOptions options, ILogger<SecretManagerClient> logger)
{
    private const long MaxListResponseBytes = 4 * 1024 * 1024;

    /// <summary>A secret version's payload (checked against its CRC32C) or a parameter version's rendering, with the version name Google reports.</summary>
    public async Task<FetchedResource> FetchAsync(GcpResourceName resource, string accessToken, CancellationToken cancellationToken)
    {
        if (resource.Kind == GcpResourceKind.ParameterVersion)
        {
            var uri = ApiUri(options.ParameterManagerEndpoint, options.RegionalParameterManagerEndpoint, resource.Location, $"{resource.Value}:render");
            var rendered = await CallAsync("render_version", HttpMethod.Get, uri, accessToken, null, GcpJsonContext.Default.RenderParameterVersionResponse, MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            return new FetchedResource(Decode(rendered.RenderedPayload), string.IsNullOrEmpty(rendered.ParameterVersion) ? resource.Value : rendered.ParameterVersion);
        }

        var response = await CallAsync("access_version", HttpMethod.Get, StoreUri(resource.Location, $"{resource.Value}:access"), accessToken, null, GcpJsonContext.Default.GcpSecretVersion, MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        var payload = Decode(response.Payload?.Data);
        if (response.Payload?.DataCrc32C is { } expected && Crc32C.Compute(payload) != (ulong)expected)
        {
            GcpLog.ChecksumMismatch(logger, resource.Value);
            throw new GoogleApiException(
                FailureKind.Unavailable,
                "rpc error: code = DataLoss desc = integrity check failed: the CRC32C of the received payload does not match dataCrc32c (corrupted in transit or by a proxy)");
        }

        return new FetchedResource(payload, string.IsNullOrEmpty(response.Name) ? resource.Value : response.Name);
    }

    /// <summary>Every secret under <paramref name="parent"/> (all pages, at most <paramref name="maxPages"/>).</summary>
    public Task<List<GcpSecret>> ListSecretsAsync(string parent, string? location, string accessToken, int maxPages, CancellationToken cancellationToken) =>
        Pages.ListAllAsync(
            next => CallAsync(
                "list_secrets",
                HttpMethod.Get,
                StoreUri(location, $"{parent}/secrets?pageSize=250{(next is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(next))}"),
                accessToken,
                null,
                GcpJsonContext.Default.GcpListSecretsResponse,
                MaxListResponseBytes,
                cancellationToken),
            page => page.Secrets ?? [],
            page => page.NextPageToken,
            maxPages);

    public Task<GcpSecret> GetSecretAsync(string secretName, string? location, string accessToken, CancellationToken cancellationToken) =>
        CallAsync("get_secret", HttpMethod.Get, StoreUri(location, secretName), accessToken, null, GcpJsonContext.Default.GcpSecret, MaxListResponseBytes, cancellationToken);

    public Task<GcpSecret> CreateSecretAsync(string parent, string secretId, string? location, Dictionary<string, string> labels, string accessToken, CancellationToken cancellationToken)
    {
        var body = new GcpSecret(Labels: labels, Replication: location is null ? new GcpReplication([]) : null);
        var uri = StoreUri(location, $"{parent}/secrets?secretId={Uri.EscapeDataString(secretId)}");
        return CallAsync("create_secret", HttpMethod.Post, uri, accessToken, () => JsonContent.Create(body, GcpJsonContext.Default.GcpSecret), GcpJsonContext.Default.GcpSecret, MaxListResponseBytes, cancellationToken);
    }

    public Task<GcpSecretVersion> AddVersionAsync(string secretName, string? location, byte[] value, string accessToken, CancellationToken cancellationToken)
    {
        var body = new GcpAddVersionRequest(new SecretPayload(Convert.ToBase64String(value), (long)Crc32C.Compute(value)));
        var uri = StoreUri(location, $"{secretName}:addVersion");
        return CallAsync("add_version", HttpMethod.Post, uri, accessToken, () => JsonContent.Create(body, GcpJsonContext.Default.GcpAddVersionRequest), GcpJsonContext.Default.GcpSecretVersion, MaxListResponseBytes, cancellationToken);
    }

    public Task<GcpEmpty> DeleteSecretAsync(string secretName, string? location, string accessToken, CancellationToken cancellationToken) =>
        CallAsync("delete_secret", HttpMethod.Delete, StoreUri(location, secretName), accessToken, null, GcpJsonContext.Default.GcpEmpty, MaxListResponseBytes, cancellationToken);

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

    /// <summary>One call as <paramref name="accessToken"/>'s principal; <paramref name="body"/> builds a fresh body per attempt.</summary>
    private Task<T> CallAsync<T>(string call, HttpMethod method, Uri uri, string accessToken, Func<HttpContent>? body, JsonTypeInfo<T> type, long maxBytes, CancellationToken cancellationToken) =>
        caller.SendAsync(
            call,
            () =>
            {
                var request = new HttpRequestMessage(method, uri) { Content = body?.Invoke() };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                return request;
            },
            type,
            maxBytes,
            [accessToken],
            cancellationToken);

    /// <summary><c>/v1/{path}</c> under the global or regional Secret Manager endpoint.</summary>
    private Uri StoreUri(string? location, string path) => ApiUri(options.SecretManagerEndpoint, options.RegionalSecretManagerEndpoint, location, path);

    /// <summary><c>/v1/{path}</c> under the global endpoint, or the regional one for <paramref name="location"/>.</summary>
    private static Uri ApiUri(Uri global, string regionalTemplate, string? location, string path)
    {
        var root = location is null ? global : new Uri(regionalTemplate.Replace("{location}", location, StringComparison.Ordinal));
        return new Uri($"{root.AbsoluteUri.TrimEnd('/')}/v1/{path}");
    }
}
