using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Gcp;

/// <summary>
/// Secret Manager's secret resources beyond version access, as the REST API serves them: list (labels, paging), get,
/// create (<c>?secretId=</c>, labels, replication required for global secrets), <c>:addVersion</c> (the CRC32C checked),
/// and delete. Every call needs a principal in <see cref="Admins"/>; a secret's creator may read it.
/// </summary>
public sealed partial class FakeGcpServer
{
    /// <summary>Labels per secret path.</summary>
    public ConcurrentDictionary<string, Dictionary<string, string>> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>Principals allowed to list, create, write and delete secrets.</summary>
    public ConcurrentDictionary<string, bool> Admins { get; } = new(StringComparer.Ordinal);

    /// <summary>Page size of ListSecrets, so tests see paging.</summary>
    public int ListPageSize { get; set; } = 250;

    private int _listCalls;

    public int ListCalls => Volatile.Read(ref _listCalls);

    public void Label(string secretPath, params (string Key, string Value)[] labels)
    {
        var existing = Labels.GetOrAdd(secretPath, _ => []);
        lock (existing)
        {
            foreach (var (key, value) in labels)
            {
                existing[key] = value;
            }
        }
    }

    /// <summary>The latest version's text, or null.</summary>
    public string? Latest(string secretPath) =>
        Secrets.TryGetValue(secretPath, out var versions) && versions.Count > 0 ? System.Text.Encoding.UTF8.GetString(versions[^1]) : null;

    private async Task<bool> TryHandleSecretAdminAsync(HttpContext context, string path)
    {
        if (path.StartsWith("/r/", StringComparison.Ordinal))
        {
            path = path[path.IndexOf('/', 3)..];
        }

        if (!path.StartsWith("/v1/projects/", StringComparison.Ordinal) || !path.Contains("/secrets", StringComparison.Ordinal))
        {
            return false;
        }

        var name = path["/v1/".Length..];
        var method = context.Request.Method;
        var principal = Principal(context, out _);
        if (principal is null)
        {
            await Error(context, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
            return true;
        }

        if (!Admins.ContainsKey(principal))
        {
            await Error(context, 403, "PERMISSION_DENIED", $"Permission denied on resource '{name}' (or it may not exist).");
            return true;
        }

        if (method == "GET" && name.EndsWith("/secrets", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _listCalls);
            var parent = name[..^"/secrets".Length];
            var all = Secrets.Keys.Where(k => k.StartsWith(parent + "/secrets/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var start = int.TryParse(context.Request.Query["pageToken"], out var n) ? n : 0;
            var page = all.Skip(start).Take(ListPageSize).Select(k => new JsonObject { ["name"] = NumberedSecretPath(k), ["labels"] = LabelsOf(k) }).ToArray<JsonNode?>();
            var body = new JsonObject { ["secrets"] = new JsonArray(page), ["totalSize"] = all.Count };
            if (start + ListPageSize < all.Count)
            {
                body["nextPageToken"] = (start + ListPageSize).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsJsonAsync(body);
            return true;
        }

        if (method == "POST" && name.EndsWith("/secrets", StringComparison.Ordinal))
        {
            var secretPath = $"{name[..^"/secrets".Length]}/secrets/{context.Request.Query["secretId"]}";
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            if (!secretPath.Contains("/locations/", StringComparison.Ordinal) && body["replication"] is null)
            {
                await Error(context, 400, "INVALID_ARGUMENT", "Secret.replication must be specified.");
                return true;
            }

            if (!Secrets.TryAdd(secretPath, []))
            {
                await Error(context, 409, "ALREADY_EXISTS", $"Secret [{NumberedSecretPath(secretPath)}] already exists.");
                return true;
            }

            foreach (var (key, value) in body["labels"]?.AsObject() ?? [])
            {
                Label(secretPath, (key, value!.GetValue<string>()));
            }

            Allow(secretPath, principal);
            await context.Response.WriteAsJsonAsync(new JsonObject { ["name"] = NumberedSecretPath(secretPath), ["labels"] = LabelsOf(secretPath) });
            return true;
        }

        if (method == "POST" && name.EndsWith(":addVersion", StringComparison.Ordinal))
        {
            var secretPath = name[..^":addVersion".Length];
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var data = Convert.FromBase64String(body["payload"]?["data"]?.GetValue<string>() ?? string.Empty);
            if (body["payload"]?["dataCrc32c"] is { } crc && crc.GetValue<string>() != Crc32C(data).ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                await Error(context, 400, "INVALID_ARGUMENT", "Checksum mismatch.");
                return true;
            }

            if (!Secrets.TryGetValue(secretPath, out var versions))
            {
                await Error(context, 404, "NOT_FOUND", $"Secret [{NumberedSecretPath(secretPath)}] not found.");
                return true;
            }

            int number;
            lock (versions)
            {
                versions.Add(data);
                number = versions.Count;
            }

            await context.Response.WriteAsJsonAsync(new JsonObject { ["name"] = $"{NumberedSecretPath(secretPath)}/versions/{number}", ["state"] = "ENABLED" });
            return true;
        }

        if (method is "GET" or "DELETE")
        {
            if (!Secrets.ContainsKey(name))
            {
                await Error(context, 404, "NOT_FOUND", $"Secret [{NumberedSecretPath(name)}] not found.");
                return true;
            }

            if (method == "DELETE")
            {
                Secrets.TryRemove(name, out _);
                Labels.TryRemove(name, out _);
                await context.Response.WriteAsJsonAsync(new JsonObject());
                return true;
            }

            await context.Response.WriteAsJsonAsync(new JsonObject { ["name"] = NumberedSecretPath(name), ["labels"] = LabelsOf(name) });
            return true;
        }

        return false;
    }

    private JsonObject LabelsOf(string secretPath)
    {
        var labels = new JsonObject();
        if (Labels.TryGetValue(secretPath, out var existing))
        {
            lock (existing)
            {
                foreach (var (key, value) in existing)
                {
                    labels[key] = value;
                }
            }
        }

        return labels;
    }
}
