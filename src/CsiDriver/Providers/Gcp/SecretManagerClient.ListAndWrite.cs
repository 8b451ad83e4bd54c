// Google REST calls covered (Authorization: Bearer <access token>), under the global or regional Secret Manager endpoint;
// backend-call metric names in brackets:
//   GET    /v1/{parent}/secrets?pageSize=&pageToken=          [list_secrets]  (parent: projects/{p} or projects/{p}/locations/{loc})
//   GET    /v1/{parent}/secrets/{s}                           [get_secret]
//   POST   /v1/{parent}/secrets?secretId={s}                  [create_secret] (labels; automatic replication when global)
//   POST   /v1/{parent}/secrets/{s}:addVersion                [add_version]   (payload data + dataCrc32c)
//   DELETE /v1/{parent}/secrets/{s}                           [delete_secret]
using System.Net.Http.Json;

namespace CsiDriver.Providers.Gcp;

/// <summary>Secret Manager listing and writes: secrets with their labels, new secrets and versions, deletion.</summary>
internal sealed partial class SecretManagerClient
{
    private const long MaxListResponseBytes = 4 * 1024 * 1024;

    /// <summary>Every secret under <paramref name="parent"/> (all pages, at most <paramref name="maxPages"/>).</summary>
    public Task<List<GcpSecret>> ListSecretsAsync(string parent, string? location, string accessToken, int maxPages, CancellationToken cancellationToken) =>
        Pages.ListAllAsync(
            next =>
            {
                var uri = new Uri($"{Base(location)}/v1/{parent}/secrets?pageSize=250{(next is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(next))}");
                return caller.SendAsync("list_secrets", () => Send(HttpMethod.Get, uri, accessToken, null), GcpJsonContext.Default.GcpListSecretsResponse, MaxListResponseBytes, [accessToken], cancellationToken);
            },
            page => page.Secrets ?? [],
            page => page.NextPageToken,
            maxPages);

    public Task<GcpSecret> GetSecretAsync(string secretName, string? location, string accessToken, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{Base(location)}/v1/{secretName}");
        return caller.SendAsync("get_secret", () => Send(HttpMethod.Get, uri, accessToken, null), GcpJsonContext.Default.GcpSecret, MaxListResponseBytes, [accessToken], cancellationToken);
    }

    public Task<GcpSecret> CreateSecretAsync(string parent, string secretId, string? location, Dictionary<string, string> labels, string accessToken, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{Base(location)}/v1/{parent}/secrets?secretId={Uri.EscapeDataString(secretId)}");
        var body = new GcpSecret(Labels: labels, Replication: location is null ? new GcpReplication([]) : null);
        return caller.SendAsync("create_secret", () => Send(HttpMethod.Post, uri, accessToken, JsonContent.Create(body, GcpJsonContext.Default.GcpSecret)), GcpJsonContext.Default.GcpSecret, MaxListResponseBytes, [accessToken], cancellationToken);
    }

    public Task<GcpSecretVersion> AddVersionAsync(string secretName, string? location, byte[] value, string accessToken, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{Base(location)}/v1/{secretName}:addVersion");
        var body = new GcpAddVersionRequest(new SecretPayload(Convert.ToBase64String(value), (long)Crc32C.Compute(value)));
        return caller.SendAsync("add_version", () => Send(HttpMethod.Post, uri, accessToken, JsonContent.Create(body, GcpJsonContext.Default.GcpAddVersionRequest)), GcpJsonContext.Default.GcpSecretVersion, MaxListResponseBytes, [accessToken], cancellationToken);
    }

    public Task<GcpEmpty> DeleteSecretAsync(string secretName, string? location, string accessToken, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{Base(location)}/v1/{secretName}");
        return caller.SendAsync("delete_secret", () => Send(HttpMethod.Delete, uri, accessToken, null), GcpJsonContext.Default.GcpEmpty, MaxListResponseBytes, [accessToken], cancellationToken);
    }

    private string Base(string? location) =>
        BaseUri(options.SecretManagerEndpoint, options.RegionalSecretManagerEndpoint, location).AbsoluteUri.TrimEnd('/');
}
