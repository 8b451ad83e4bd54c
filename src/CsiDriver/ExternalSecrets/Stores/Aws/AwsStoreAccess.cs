using System.Text.Json;
using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>
/// One aws store as one ExternalSecret namespace reaches it: the service endpoint, the principal, and the translation of
/// AWS failures into <see cref="SecretStoreException"/>s that name the store and the key (AWS error texts carry neither
/// values nor credentials).
/// </summary>
internal sealed class AwsStoreAccess(StoreContext store, AwsStoreConfig config, AwsEndpoint endpoint, AwsStorePrincipal principal)
{
    /// <summary>The tag the operator puts on what it creates, and checks before it overwrites or deletes.</summary>
    public const string ManagedByKey = "managed-by";
    public const string ManagedByValue = "external-secrets";

    public StoreContext Store { get; } = store;

    public AwsStoreConfig Config { get; } = config;

    public AwsEndpoint Endpoint { get; } = endpoint;

    public string Identity { get; } = $"aws {config.Service} {endpoint.Region} at {endpoint.Url.GetLeftPart(UriPartial.Authority)} as {principal}";

    /// <summary>One AWS call with the principal's current credentials; <paramref name="subject"/> names what it is about.</summary>
    public async Task<T> CallAsync<T>(string subject, Func<AwsCredentials, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        AwsCredentials credentials;
        try
        {
            credentials = await principal.Credentials(cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            throw new SecretStoreException(AwsProvider.Kind(ex), $"{Store}: cannot get AWS credentials for {principal}: {ex.Message}", ex) { Reason = ex.ErrorCode };
        }

        try
        {
            return await call(credentials, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            throw new SecretStoreException(AwsProvider.Kind(ex), $"{Store}: {subject}: {ex.Message}", ex) { Reason = ex.ErrorCode };
        }
    }

    /// <summary>Whether an AWS failure says the thing does not exist.</summary>
    public static bool IsNotFound(SecretStoreException ex) => ex.Kind == FailureKind.NotFound;

    public static bool IsManaged(IEnumerable<AwsTag>? tags) =>
        tags?.Any(t => t.Key == ManagedByKey && t.Value == ManagedByValue) == true;

    public static List<AwsTag> ManagedTags() => [new AwsTag { Key = ManagedByKey, Value = ManagedByValue }];

    public SecretStoreException NotManaged(string name) =>
        new(FailureKind.Conflict, $"{Store}: {name} exists and is not managed by external-secrets (no {ManagedByKey}: {ManagedByValue} tag); it is left as it is") { Reason = "NotManaged" };

    /// <summary>A property of a JSON value: an exact top-level key first, then a gjson path, as the operator looks it up.</summary>
    public byte[] Property(byte[] value, string property, string name)
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

        throw new SecretStoreException(FailureKind.NotFound, $"{Store}: key \"{property}\" does not exist in {name}");
    }

    /// <summary>A JSON object value split into its top-level fields (strings unquoted, others as JSON text).</summary>
    public IReadOnlyDictionary<string, byte[]> Split(byte[] value, string name)
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

        throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{Store}: {name} is not a JSON object, so it cannot be split into keys");
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

        System.Text.Json.Nodes.JsonObject merged = [];
        if (existing is { Length: > 0 })
        {
            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(existing) is System.Text.Json.Nodes.JsonObject parsed)
                {
                    merged = parsed;
                }
            }
            catch (JsonException)
            {
                // Not a JSON object: the property starts a new one.
            }
        }

        merged[property] = System.Text.Encoding.UTF8.GetString(value);
        return System.Text.Encoding.UTF8.GetBytes(merged.ToJsonString());
    }

    /// <summary>The existing JSON object without <paramref name="property"/>, or null when nothing is left.</summary>
    public static byte[]? Without(byte[] existing, string property)
    {
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(existing) is System.Text.Json.Nodes.JsonObject parsed)
            {
                parsed.Remove(property);
                return parsed.Count == 0 ? null : System.Text.Encoding.UTF8.GetBytes(parsed.ToJsonString());
            }
        }
        catch (JsonException)
        {
            // Not a JSON object: there is no property to remove.
        }

        return existing;
    }
}
