using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Fake;

/// <summary>The <c>fake</c> store's write side, for PushSecret.</summary>
internal sealed partial class FakeStoreProvider
{
    /// <summary>
    /// Pushes go to <see cref="FakeStoreMemory"/>. A key pushed before is managed; a key only in the store's static
    /// <c>data[]</c> is the store owner's, so a push or delete of it is a <see cref="FailureKind.Conflict"/>. With a
    /// property, the value is kept as a JSON object and only that field changes.
    /// </summary>
    private sealed partial class FakeStoreClient : IStoreWriter
    {
        public Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken)
        {
            metrics?.BackendCall(ProviderKey, "SecretExists");
            var value = memory.Get(store, target.RemoteKey) ?? entries.FirstOrDefault(e => e.Key == target.RemoteKey && e.Version.Length == 0)?.Value;
            return Task.FromResult(value is not null && (target.Property is null || StoreValues.TryParseObject(Encoding.UTF8.GetBytes(value))?.ContainsKey(target.Property) == true));
        }

        public Task<bool> PushAsync(PushRef target, byte[] value, CancellationToken cancellationToken)
        {
            metrics?.BackendCall(ProviderKey, "PushSecret");
            var current = Managed(target);
            var text = Encoding.UTF8.GetString(value);
            string next;
            if (target.Property is null)
            {
                next = text;
            }
            else
            {
                var map = current is null ? [] : StoreValues.TryParseObject(Encoding.UTF8.GetBytes(current)) ?? throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store.Description}: secret {target.RemoteKey} is not a JSON object, so property {target.Property} cannot be set");
                if (map[target.Property] is JsonValue existing && existing.TryGetValue<string>(out var same) && same == text)
                {
                    return Task.FromResult(false);
                }

                map[target.Property] = text;
                next = map.ToJsonString();
            }

            if (current == next)
            {
                return Task.FromResult(false);
            }

            memory.Set(store, target.RemoteKey, next);
            return Task.FromResult(true);
        }

        public Task DeleteAsync(PushRef target, CancellationToken cancellationToken)
        {
            metrics?.BackendCall(ProviderKey, "DeleteSecret");
            if (memory.Get(store, target.RemoteKey) is not { } current)
            {
                return Task.CompletedTask;
            }

            if (target.Property is null)
            {
                memory.Remove(store, target.RemoteKey);
                return Task.CompletedTask;
            }

            if (StoreValues.TryParseObject(Encoding.UTF8.GetBytes(current)) is { } map && map.Remove(target.Property))
            {
                if (map.Count == 0)
                {
                    memory.Remove(store, target.RemoteKey);
                }
                else
                {
                    memory.Set(store, target.RemoteKey, map.ToJsonString());
                }
            }

            return Task.CompletedTask;
        }

        /// <summary>The value a push may replace: what was pushed before, or null for a new key.</summary>
        private string? Managed(PushRef target)
        {
            if (memory.Get(store, target.RemoteKey) is { } pushed)
            {
                return pushed;
            }

            return entries.Any(e => e.Key == target.RemoteKey)
                ? throw new SecretStoreException(FailureKind.Conflict, $"{store.Description}: secret {target.RemoteKey} is in spec.provider.fake.data, so it is not managed by external-secrets")
                : null;
        }
    }
}
