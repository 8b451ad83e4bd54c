using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// <c>GET secrets</c> as Key Vault serves it: each secret's id (without version), attributes and tags, a page of
/// <see cref="ListPageSize"/> at a time with an absolute <c>nextLink</c> on the vault's host.
/// </summary>
internal sealed partial class FakeAzure
{
    private int _listCalls;

    public int ListPageSize { get; set; } = 25;

    public int ListCalls => Volatile.Read(ref _listCalls);

    /// <summary>Sets tags on the secret's latest version (what a listing shows).</summary>
    public void TagSecret(string name, params (string Key, string Value)[] tags)
    {
        var versions = _objects[$"secrets/{name}"];
        lock (versions)
        {
            var body = versions[^1].Body;
            var existing = body["tags"] as JsonObject ?? [];
            foreach (var (key, value) in tags)
            {
                existing[key] = value;
            }

            body["tags"] = existing;
        }
    }

    private async Task ListSecretsAsync(HttpContext context)
    {
        Interlocked.Increment(ref _listCalls);
        var names = _objects.Keys.Where(k => k.StartsWith("secrets/", StringComparison.Ordinal)).Select(k => k["secrets/".Length..]).Order(StringComparer.Ordinal).ToList();
        var start = int.TryParse(context.Request.Query["skip"], out var skip) ? skip : 0;
        var page = new JsonArray();
        foreach (var name in names.Skip(start).Take(ListPageSize))
        {
            var versions = _objects[$"secrets/{name}"];
            JsonObject latest;
            lock (versions)
            {
                latest = versions[^1].Body;
            }

            page.Add(new JsonObject
            {
                ["id"] = $"{VaultBase}/secrets/{name}",
                ["attributes"] = latest["attributes"]!.DeepClone(),
                ["tags"] = latest["tags"]?.DeepClone(),
            });
        }

        var body = new JsonObject { ["value"] = page };
        if (start + ListPageSize < names.Count)
        {
            body["nextLink"] = $"{VaultBase}/secrets?api-version={ApiVersion}&skip={start + ListPageSize}";
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}
