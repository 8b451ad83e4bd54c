using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Generators;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;
using CsiDriver.Templating;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// Builds an ExternalSecret's data map (eso.md 3.5): the <c>dataFrom[]</c> entries in order, then the <c>data[]</c>
/// entries, each read through its store (shared across ExternalSecrets) and passed through rewrite, key conversion,
/// key validation, decoding and the NUL-byte policy. A provider "not found" is skipped with a
/// <c>MissingProviderSecret</c> event unless deletionPolicy is Retain, where it is an error.
/// </summary>
internal sealed class ExternalSecretFetcher(SharedStoreReads reads, TemplateEngine templates, ExternalSecretsEventRecorder events, ExternalSecretsReconcileOptions options, GeneratorRunner generators)
{
    /// <param name="fresh">A forced refresh: no cached read may answer it.</param>
    public async Task<Dictionary<string, byte[]>> FetchAsync(ExternalSecret es, StoreResolver.Session stores, TimeSpan refreshInterval, bool fresh, bool skipNotFound, EventSubject subject, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var dataFrom = es.Spec.DataFrom ?? [];
        for (var i = 0; i < dataFrom.Count; i++)
        {
            var entry = dataFrom[i];
            if (entry.SourceRef?.GeneratorRef is { } generatorRef)
            {
                if (entry.Find is not null || entry.Extract is not null)
                {
                    throw new SyncException($"spec.dataFrom[{i}] may set only one of extract, find and sourceRef.generatorRef") { Retry = false };
                }

                // Generated values are never shared or cached: each ExternalSecret's sync generates its own (leases kept by GeneratedLeases).
                var generated = await GenerateAsync(generatorRef, es, $"spec.dataFrom[{i}]", cancellationToken).ConfigureAwait(false);
                var renamed = entry.Rewrite is { Count: > 0 } generatorRewrites ? KeyStrategies.Rewrite(generated, generatorRewrites, templates) : generated;
                foreach (var (key, value) in KeyStrategies.ValidateKeys(renamed))
                {
                    result[key] = value;
                }

                continue;
            }

            if (entry.Find is not null && entry.Extract is not null)
            {
                throw new SyncException($"spec.dataFrom[{i}] may set only one of extract and find") { Retry = false };
            }

            var strategies = entry.Find is { } find
                ? (Conversion: find.ConversionStrategy, Decoding: find.DecodingStrategy, NullBytes: find.NullBytePolicy)
                : entry.Extract is { } extract
                    ? (Conversion: extract.ConversionStrategy, Decoding: extract.DecodingStrategy, NullBytes: extract.NullBytePolicy)
                    : throw new SyncException($"spec.dataFrom[{i}] needs extract, find or sourceRef.generatorRef") { Retry = false };
            var (store, client) = await stores.ConnectAsync(entry.SourceRef?.StoreRef ?? es.Spec.SecretStoreRef, cancellationToken).ConfigureAwait(false);
            IReadOnlyDictionary<string, byte[]> map;
            try
            {
                map = entry.Find is { } query
                    ? await reads.FindAsync(store, client, ToFindQuery(query, $"spec.dataFrom[{i}].find"), refreshInterval, fresh, cancellationToken).ConfigureAwait(false)
                    : await reads.GetSecretMapAsync(store, client, ToRemoteRef(entry.Extract!, $"spec.dataFrom[{i}].extract"), refreshInterval, fresh, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound && skipNotFound)
            {
                await events.RecordAsync(subject, ExternalSecretReconciler.Component, "Normal", "MissingProviderSecret", $"secret does not exist at provider using spec.dataFrom[{i}]", cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (SecretStoreException ex)
            {
                throw new SyncException($"spec.dataFrom[{i}]: {ex.Message}", ex);
            }

            var keyed = entry.Rewrite is { Count: > 0 } rewrites
                ? KeyStrategies.Rewrite(map, rewrites, templates)
                : KeyStrategies.ConvertKeys(map, strategies.Conversion);
            foreach (var (key, value) in KeyStrategies.ValidateKeys(keyed))
            {
                var decoded = KeyStrategies.Decode(value, strategies.Decoding, key);
                KeyStrategies.CheckNullBytes(decoded, strategies.NullBytes, key);
                result[key] = decoded;
            }
        }

        var data = es.Spec.Data ?? [];
        for (var i = 0; i < data.Count; i++)
        {
            var entry = data[i];
            if (string.IsNullOrEmpty(entry.SecretKey) || entry.RemoteRef is null)
            {
                throw new SyncException($"spec.data[{i}] needs secretKey and remoteRef");
            }

            if (entry.SourceRef?.GeneratorRef is { } itemGenerator)
            {
                var generated = await GenerateAsync(itemGenerator, es, $"spec.data[{i}]", cancellationToken).ConfigureAwait(false);
                var one = generated.TryGetValue(entry.RemoteRef.Key ?? string.Empty, out var v)
                    ? v
                    : throw new SyncException($"spec.data[{i}]: the generator returned no key \"{entry.RemoteRef.Key}\"");
                result[entry.SecretKey] = KeyStrategies.Decode(one, entry.RemoteRef.DecodingStrategy, entry.SecretKey);
                continue;
            }

            var (store, client) = await stores.ConnectAsync(entry.SourceRef?.StoreRef ?? es.Spec.SecretStoreRef, cancellationToken).ConfigureAwait(false);
            byte[] value;
            try
            {
                value = await reads.GetSecretAsync(store, client, ToRemoteRef(entry.RemoteRef, $"spec.data[{i}].remoteRef"), refreshInterval, fresh, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound && skipNotFound)
            {
                await events.RecordAsync(subject, ExternalSecretReconciler.Component, "Normal", "MissingProviderSecret", $"secret does not exist at provider using spec.data[{i}] (key={entry.RemoteRef.Key})", cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (SecretStoreException ex)
            {
                throw new SyncException($"spec.data[{i}]: {ex.Message}", ex);
            }

            var decoded = KeyStrategies.Decode(value, entry.RemoteRef.DecodingStrategy, entry.SecretKey);
            KeyStrategies.CheckNullBytes(decoded, entry.RemoteRef.NullBytePolicy, entry.SecretKey);
            result[entry.SecretKey] = decoded;
        }

        return result;
    }

    private async Task<IReadOnlyDictionary<string, byte[]>> GenerateAsync(System.Text.Json.Nodes.JsonObject generatorRef, ExternalSecret es, string where, CancellationToken cancellationToken)
    {
        try
        {
            return await generators.GenerateAsync(generatorRef, new GeneratorCall(es.Metadata.Namespace ?? string.Empty, es.Metadata.Name ?? string.Empty, es.Metadata.Uid ?? string.Empty, where), cancellationToken).ConfigureAwait(false);
        }
        catch (GeneratorException ex)
        {
            throw new SyncException($"{where}: {ex.Message}", ex);
        }
    }

    private FindQuery ToFindQuery(ExternalSecretFind find, string where)
    {
        // A present name with no regexp matches every name, as an empty Go regexp does.
        var name = find.Name is null ? null : find.Name.Regexp ?? string.Empty;
        var tags = find.Tags is { Count: > 0 } t ? t : null;
        var path = string.IsNullOrEmpty(find.Path) ? null : find.Path;
        if (name is null && tags is null && path is null)
        {
            throw new SyncException($"{where} needs name.regexp, tags or path") { Retry = false };
        }

        return new FindQuery(name, tags, path, options.FindMaxKeys);
    }

    private static RemoteRef ToRemoteRef(RemoteRefSpec spec, string where)
    {
        if (string.IsNullOrEmpty(spec.Key))
        {
            throw new SyncException($"{where}.key is required");
        }

        var fetchMetadata = spec.MetadataPolicy switch
        {
            null or "" or "None" => false,
            "Fetch" => true,
            _ => throw new SyncException($"{where}.metadataPolicy {spec.MetadataPolicy} is not supported"),
        };
        return new RemoteRef(spec.Key, string.IsNullOrEmpty(spec.Property) ? null : spec.Property, string.IsNullOrEmpty(spec.Version) ? null : spec.Version, fetchMetadata);
    }
}
