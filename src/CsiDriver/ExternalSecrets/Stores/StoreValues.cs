using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>
/// What the cloud stores do alike with a value: pick a property (exact key, then gjson path), split a JSON object into
/// keys, and merge or remove one property when a push writes a field of a JSON secret. Messages never quote a value.
/// </summary>
internal static class StoreValues
{
    /// <summary>A property of a JSON value: an exact top-level key first, then a gjson path, as the operator looks it up.</summary>
    public static byte[] Property(StoreContext store, byte[] value, string property, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(property, out var exact))
            {
                return GjsonPath.ToBytes(exact);
            }

            if (GjsonPath.TryGet(root, property, out var found))
            {
                return GjsonPath.ToBytes(found);
            }
        }
        catch (JsonException)
        {
            // Not JSON: no property can exist in it.
        }

        throw new SecretStoreException(FailureKind.NotFound, $"{store}: key \"{property}\" does not exist in {name}");
    }

    /// <summary>A JSON object value split into its top-level fields (strings unquoted, others as JSON text).</summary>
    public static IReadOnlyDictionary<string, byte[]> Split(StoreContext store, byte[] value, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var map = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var field in document.RootElement.EnumerateObject())
                {
                    map[field.Name] = GjsonPath.ToBytes(field.Value);
                }

                return map;
            }
        }
        catch (JsonException)
        {
            // Reported below, without quoting the value.
        }

        throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {name} is not a JSON object, so it cannot be split into keys");
    }

    /// <summary>
    /// The value a push writes: the whole value, or with a property the existing JSON object (if any) with that key set,
    /// as the operator merges it.
    /// </summary>
    public static byte[] Merge(byte[]? existing, string? property, byte[] value)
    {
        if (property is null)
        {
            return value;
        }

        // Not a JSON object (or nothing yet): the property starts a new one.
        var merged = (existing is { Length: > 0 } ? TryParseObject(existing) : null) ?? [];
        merged[property] = System.Text.Encoding.UTF8.GetString(value);
        return System.Text.Encoding.UTF8.GetBytes(merged.ToJsonString());
    }

    /// <summary>The existing JSON object without <paramref name="property"/>, or null when nothing is left.</summary>
    public static byte[]? Without(byte[] existing, string property)
    {
        if (TryParseObject(existing) is not { } parsed)
        {
            return existing; // Not a JSON object: there is no property to remove.
        }

        parsed.Remove(property);
        return parsed.Count == 0 ? null : System.Text.Encoding.UTF8.GetBytes(parsed.ToJsonString());
    }

    /// <summary>
    /// The value as a JSON object, or null when it is not one. The parser's message is dropped on purpose: it can quote
    /// the value.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject? TryParseObject(byte[] value)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(value) as System.Text.Json.Nodes.JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
