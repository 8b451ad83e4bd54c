using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// <c>PUT secrets/{name}</c> (a new enabled version with the body's value and tags; the value is required) and
/// <c>DELETE secrets/{name}</c> (404 when absent), as Key Vault serves them.
/// </summary>
internal sealed partial class FakeAzure
{
    private int _writes;
    private int _writeThrottle;
    private int _throttledWrites;

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Writes answered 429 (Retry-After: <see cref="ThrottleRetryAfter"/>) without being processed.</summary>
    public int ThrottledWrites => Volatile.Read(ref _throttledWrites);

    /// <summary>The next <paramref name="count"/> writes (reads untouched) answer 429 and change nothing.</summary>
    public void ThrottleWrites(int count) => Volatile.Write(ref _writeThrottle, count);

    /// <summary>The latest version's value and tags, or null.</summary>
    public (string Value, JsonObject? Tags)? Current(string name)
    {
        if (!_objects.TryGetValue($"secrets/{name}", out var versions))
        {
            return null;
        }

        lock (versions)
        {
            return versions.Count == 0 ? null : (versions[^1].Body["value"]!.GetValue<string>(), versions[^1].Body["tags"] as JsonObject);
        }
    }

    private async Task WriteSecretAsync(HttpContext context, string name)
    {
        if (Interlocked.Decrement(ref _writeThrottle) >= 0)
        {
            Interlocked.Increment(ref _throttledWrites);
            if (ThrottleRetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = ThrottleRetryAfter;
            }

            await VaultError(context, 429, "Throttled", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached");
            return;
        }

        Interlocked.Increment(ref _writes);
        if (context.Request.Method == "DELETE")
        {
            if (!_objects.TryRemove($"secrets/{name}", out _))
            {
                await VaultError(context, 404, "SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault.");
                return;
            }

            await Json(context, 200, new JsonObject { ["id"] = $"{VaultBase}/secrets/{name}" });
            return;
        }

        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true ||
            (await JsonNode.ParseAsync(context.Request.Body)) is not JsonObject body || body["value"] is null)
        {
            await VaultError(context, 400, "BadParameter", "The request body must be a JSON object with a value.");
            return;
        }

        var version = AddSecret(name, body["value"]!.GetValue<string>());
        if (body["tags"] is JsonObject tags)
        {
            TagSecret(name, [.. tags.Select(t => (t.Key, t.Value!.GetValue<string>()))]);
        }

        await Json(context, 200, new JsonObject { ["id"] = $"{VaultBase}/secrets/{name}/{version}" });
    }
}
