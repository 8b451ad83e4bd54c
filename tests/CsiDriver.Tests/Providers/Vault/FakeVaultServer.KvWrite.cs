using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>
/// KV writes as Vault answers them (after the token check): KV v2 <c>POST|PUT /v1/secret/data/{path}</c>
/// <c>{"data": {...}}</c> (a new version; a body without <c>data</c> is a 400), <c>POST|PUT /v1/secret/metadata/{path}</c>
/// <c>{"custom_metadata": {...}}</c>, <c>DELETE /v1/secret/metadata/{path}</c> (every version and the metadata), and KV v1
/// <c>POST|PUT|DELETE /v1/kv/{path}</c>.
/// </summary>
public sealed partial class FakeVaultServer
{
    /// <summary>The current KV v2 data at <paramref name="path"/>, or null.</summary>
    public Dictionary<string, object?>? Kv2(string path)
    {
        if (!_kv2.TryGetValue(path, out var versions))
        {
            return null;
        }

        lock (versions)
        {
            return versions.Count == 0 ? null : versions[^1];
        }
    }

    /// <summary>The KV v1 data at <paramref name="path"/>, or null.</summary>
    public Dictionary<string, object?>? Kv1(string path) => _kv1.TryGetValue(path, out var data) ? data : null;

    private async Task<bool> TryWriteKvAsync(HttpContext context, string method, string path, string body)
    {
        const string Data = "/v1/secret/data/";
        const string Metadata = "/v1/secret/metadata/";
        const string Kv1Prefix = "/v1/kv/";
        var write = method is "POST" or "PUT";
        if (write && path.StartsWith(Data, StringComparison.Ordinal))
        {
            if (Parse(body) is not { } request || !request.TryGetValue("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                await Error(context, 400, "no data provided");
                return true;
            }

            var version = PutKv2(path[Data.Length..], ToMap(data));
            await Json(context, 200, new { request_id = Guid.NewGuid().ToString(), data = new { version, created_time = "2026-01-01T00:00:00.000000Z", deletion_time = "", destroyed = false } });
            return true;
        }

        if (write && path.StartsWith(Metadata, StringComparison.Ordinal))
        {
            var custom = Parse(body) is { } request && request.TryGetValue("custom_metadata", out var map) && map.ValueKind == JsonValueKind.Object
                ? map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty)
                : [];
            CustomMetadata[path[Metadata.Length..]] = custom;
            await NoContent(context);
            return true;
        }

        if (method == "DELETE" && path.StartsWith(Metadata, StringComparison.Ordinal))
        {
            _kv2.TryRemove(path[Metadata.Length..], out _);
            CustomMetadata.TryRemove(path[Metadata.Length..], out _);
            await NoContent(context);
            return true;
        }

        if (path.StartsWith(Kv1Prefix, StringComparison.Ordinal) && (write || method == "DELETE"))
        {
            if (method == "DELETE")
            {
                _kv1.TryRemove(path[Kv1Prefix.Length..], out _);
            }
            else if (Parse(body) is { } request)
            {
                PutKv1(path[Kv1Prefix.Length..], request.ToDictionary(p => p.Key, p => (object?)p.Value));
            }
            else
            {
                await Error(context, 400, "no data provided");
                return true;
            }

            await NoContent(context);
            return true;
        }

        return false;
    }

    private static Dictionary<string, JsonElement>? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(body.Length == 0 ? "null" : body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Dictionary<string, object?> ToMap(JsonElement data) =>
        data.EnumerateObject().ToDictionary(p => p.Name, p => (object?)(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.Clone()));

    private static async Task NoContent(HttpContext context)
    {
        context.Response.StatusCode = 204;
        await context.Response.CompleteAsync();
    }
}
