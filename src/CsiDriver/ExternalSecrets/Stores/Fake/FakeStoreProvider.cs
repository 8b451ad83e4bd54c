using CsiDriver.Observability;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Fake;

/// <summary>
/// The <c>fake</c> store provider (eso.md 4.9): static <c>data[]</c> entries of <c>{key, value, version}</c> in the store
/// itself, looked up by exact key and version; <c>property</c> is a gjson-style dotted path into the value's JSON;
/// <c>validationResult</c> forces the store's validation (0 Ready, 1 Unknown, 2 Error). Zero dependencies, so it is the
/// docs' first walkthrough and the tests' backend. Reads count in the backend-call counter like any provider's.
/// </summary>
/// <param name="metrics">The backend-call counter; null where the host has no driver metrics.</param>
internal sealed partial class FakeStoreProvider(DriverMetrics? metrics) : IStoreProvider
{
    public const string ProviderKey = "fake";
    private readonly FakeStoreMemory _memory = new();

    public string Key => ProviderKey;

    public Task<IStoreClient> ConnectAsync(StoreContext store, CancellationToken cancellationToken) =>
        Task.FromResult<IStoreClient>(new FakeStoreClient(store, Parse(store), _memory, metrics));

    public Task<StoreValidation> ValidateAsync(StoreContext store, CancellationToken cancellationToken)
    {
        try
        {
            Parse(store);
        }
        catch (SecretStoreException ex)
        {
            return Task.FromResult(new StoreValidation(StoreValidationResult.Error, ex.Message));
        }

        var result = store.Provider["validationResult"] is JsonValue v && v.TryGetValue<int>(out var code) ? code : 0;
        return Task.FromResult(result switch
        {
            0 => StoreValidation.Valid,
            1 => new StoreValidation(StoreValidationResult.Unknown, "fake store: validationResult is Unknown"),
            _ => new StoreValidation(StoreValidationResult.Error, "fake store: validationResult is Error"),
        });
    }

    private static IReadOnlyList<Entry> Parse(StoreContext store)
    {
        var entries = new List<Entry>();
        if (store.Provider["data"] is null)
        {
            return entries;
        }

        if (store.Provider["data"] is not JsonArray data)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store.Description}: spec.provider.fake.data must be a list");
        }

        for (var i = 0; i < data.Count; i++)
        {
            if (data[i] is not JsonObject item || Text(item["key"]) is not { Length: > 0 } key || Text(item["value"]) is not { } value)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store.Description}: spec.provider.fake.data[{i}] needs key and value");
            }

            entries.Add(new Entry(key, value, Text(item["version"]) ?? string.Empty));
        }

        return entries;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private sealed record Entry(string Key, string Value, string Version)
    {
        public override string ToString() => Version.Length == 0 ? Key : $"{Key} (version {Version})";
    }

    private sealed partial class FakeStoreClient(StoreContext store, IReadOnlyList<Entry> entries, FakeStoreMemory memory, DriverMetrics? metrics) : IStoreClient
    {
        public string Identity => $"fake:{store.Kind}/{store.Name}";

        public Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
        {
            metrics?.BackendCall(ProviderKey, "GetSecret");
            var value = Find(remoteRef);
            if (remoteRef.Property is null)
            {
                return Task.FromResult(Encoding.UTF8.GetBytes(value));
            }

            using var document = Parse(value, remoteRef);
            return Task.FromResult(GjsonPath.ToBytes(At(document.RootElement, remoteRef)));
        }

        public Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
        {
            metrics?.BackendCall(ProviderKey, "GetSecretMap");
            using var document = Parse(Find(remoteRef), remoteRef);
            var node = remoteRef.Property is null ? document.RootElement : At(document.RootElement, remoteRef);
            if (node.ValueKind != JsonValueKind.Object)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store.Description}: the value of {remoteRef} is not a JSON object");
            }

            IReadOnlyDictionary<string, byte[]> result = node.EnumerateObject()
                .GroupBy(p => p.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => GjsonPath.ToBytes(g.Last().Value), StringComparer.Ordinal);
            return Task.FromResult(result);
        }

        /// <summary>By name regexp only, as the operator's fake provider: each key once, its highest version (ordinal) winning.</summary>
        public Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken)
        {
            if (query.NameRegexp is null || query.Tags is { Count: > 0 } || query.Path is not null)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store.Description}: the fake store finds by name.regexp only");
            }

            metrics?.BackendCall(ProviderKey, "Find");
            var matcher = FindMatcher.Create(query, store.Description);
            var latest = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                if (matcher.MatchesName(entry.Key)
                    && (!latest.TryGetValue(entry.Key, out var seen) || string.CompareOrdinal(seen.Version, entry.Version) < 0))
                {
                    latest[entry.Key] = entry;
                }
            }

            var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (key, entry) in latest)
            {
                matcher.Add(result, key, Encoding.UTF8.GetBytes(entry.Value));
            }

            return Task.FromResult<IReadOnlyDictionary<string, byte[]>>(result);
        }

        private JsonElement At(JsonElement root, RemoteRef remoteRef) =>
            GjsonPath.TryGet(root, remoteRef.Property!, out var found) ? found : throw NotFound(remoteRef, $"property {remoteRef.Property} does not exist");

        private string Find(RemoteRef remoteRef)
        {
            var version = remoteRef.Version ?? string.Empty;
            if (version.Length == 0 && memory.Get(store, remoteRef.Key) is { } pushed)
            {
                return pushed;
            }

            return entries.FirstOrDefault(e => e.Key == remoteRef.Key && e.Version == version)?.Value
                ?? throw NotFound(remoteRef, "no such key and version");
        }

        private JsonDocument Parse(string value, RemoteRef remoteRef)
        {
            try
            {
                return JsonDocument.Parse(value);
            }
            catch (JsonException)
            {
                // The parser's message can quote the value, so it is not passed on.
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store.Description}: the value of {remoteRef} is not JSON");
            }
        }

        private SecretStoreException NotFound(RemoteRef remoteRef, string why) =>
            new(FailureKind.NotFound, $"{store.Description}: secret {remoteRef} not found: {why}");
    }
}
