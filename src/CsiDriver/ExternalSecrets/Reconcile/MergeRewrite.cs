
namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// <c>rewrite[].merge</c> (eso.md 2.8): every value is parsed as a JSON object and the objects are merged, the keys
/// outside <c>priority</c> first in sorted order, then the <c>priority</c> keys in the order given (a priority key
/// overrides what came before it). A field two non-priority keys disagree on is an error under
/// <c>conflictPolicy: Error</c> (the default) and goes to the later key under <c>Ignore</c>. A priority key that is
/// absent is an error under <c>priorityPolicy: Strict</c> (the default) and skipped under <c>IgnoreNotFound</c>.
/// <c>strategy: Extract</c> (default) returns the merged fields; <c>JSON</c> keeps the input and adds the merged object
/// under <c>into</c>. Errors name keys and fields, never values.
/// </summary>
internal static class MergeRewrite
{
    public static Dictionary<string, byte[]> Apply(IReadOnlyDictionary<string, byte[]> data, JsonObject merge)
    {
        var into = Text(merge, "into") ?? string.Empty;
        var priority = merge["priority"] is JsonArray list ? list.Select(p => p is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty).ToList() : [];
        var priorityPolicy = Text(merge, "priorityPolicy") ?? "Strict";
        var conflictPolicy = Text(merge, "conflictPolicy") ?? "Error";
        var strategy = Text(merge, "strategy") ?? "Extract";
        if (priorityPolicy is not ("Strict" or "IgnoreNotFound") || conflictPolicy is not ("Error" or "Ignore") || strategy is not ("Extract" or "JSON"))
        {
            throw new SyncException("rewrite merge: priorityPolicy must be Strict or IgnoreNotFound, conflictPolicy Error or Ignore, strategy Extract or JSON") { Retry = false };
        }

        if (strategy == "JSON" && into.Length == 0)
        {
            throw new SyncException("rewrite merge: strategy JSON needs into") { Retry = false };
        }

        foreach (var key in priority.Where(k => !data.ContainsKey(k)))
        {
            if (priorityPolicy == "Strict")
            {
                throw new SyncException($"rewrite merge: priority key \"{key}\" not found");
            }
        }

        var merged = new JsonObject();
        var from = new Dictionary<string, string>(StringComparer.Ordinal);
        var prioritySet = priority.ToHashSet(StringComparer.Ordinal);
        foreach (var key in data.Keys.Where(k => !prioritySet.Contains(k)).Order(StringComparer.Ordinal))
        {
            foreach (var (field, value) in Parse(key, data[key]))
            {
                if (merged[field] is { } existing && !JsonNode.DeepEquals(existing, value) && conflictPolicy == "Error")
                {
                    throw new SyncException($"rewrite merge: field \"{field}\" conflicts between keys \"{from[field]}\" and \"{key}\" (conflictPolicy Error)");
                }

                merged[field] = value?.DeepClone();
                from[field] = key;
            }
        }

        foreach (var key in priority.Where(data.ContainsKey))
        {
            foreach (var (field, value) in Parse(key, data[key]))
            {
                merged[field] = value?.DeepClone();
            }
        }

        if (strategy == "JSON")
        {
            var output = new Dictionary<string, byte[]>(data, StringComparer.Ordinal)
            {
                [into] = Encoding.UTF8.GetBytes(merged.ToJsonString()),
            };
            return output;
        }

        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (field, value) in merged)
        {
            result[field] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? Encoding.UTF8.GetBytes(v.GetValue<string>())
                : Encoding.UTF8.GetBytes(value?.ToJsonString() ?? "null");
        }

        return result;
    }

    private static JsonObject Parse(string key, byte[] value)
    {
        try
        {
            if (JsonNode.Parse(value) is JsonObject obj)
            {
                return obj;
            }
        }
        catch (JsonException)
        {
            // The parser's message may quote the value.
        }

        throw new SyncException($"rewrite merge: the value of key \"{key}\" is not a JSON object");
    }

    private static string? Text(JsonObject merge, string field) => merge[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
