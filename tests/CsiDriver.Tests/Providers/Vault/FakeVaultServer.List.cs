using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>
/// KV listing (<c>LIST /v1/secret/metadata/{prefix}</c> for KV v2, <c>LIST /v1/kv/{prefix}</c> for KV v1, or <c>GET</c> with
/// <c>?list=true</c>): the immediate children of a folder, sub-folders with a trailing slash, sorted, 404 when empty.
/// </summary>
public sealed partial class FakeVaultServer
{
    private async Task<bool> TryListAsync(HttpContext context, string path)
    {
        var isList = context.Request.Method == "LIST" || (context.Request.Method == "GET" && context.Request.Query["list"] == "true");
        if (!isList)
        {
            return false;
        }

        IEnumerable<string> names;
        string prefix;
        if (path.StartsWith("/v1/secret/metadata/", StringComparison.Ordinal) || path == "/v1/secret/metadata")
        {
            names = _kv2.Keys;
            prefix = path.Length > "/v1/secret/metadata/".Length ? path["/v1/secret/metadata/".Length..] : string.Empty;
        }
        else if (path.StartsWith("/v1/kv/", StringComparison.Ordinal) || path == "/v1/kv")
        {
            names = _kv1.Keys;
            prefix = path.Length > "/v1/kv/".Length ? path["/v1/kv/".Length..] : string.Empty;
        }
        else
        {
            await Error(context, 405, "unsupported operation");
            return true;
        }

        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            prefix += "/";
        }

        var children = names
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => n[prefix.Length..])
            .Select(rest => rest.Contains('/', StringComparison.Ordinal) ? rest[..(rest.IndexOf('/', StringComparison.Ordinal) + 1)] : rest)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (children.Count == 0)
        {
            await Error(context, 404);
            return true;
        }

        await Json(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            lease_id = "",
            renewable = false,
            lease_duration = 0,
            data = new { keys = children },
        });
        return true;
    }
}
