using CsiDriver.ExternalSecrets.Api;
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
internal sealed class ExternalSecretFetcher
{
    private readonly SharedStoreReads _reads;
    private readonly TemplateEngine _templates;
    private readonly ExternalSecretsEventRecorder _events;

    public ExternalSecretFetcher(SharedStoreReads reads, TemplateEngine templates, ExternalSecretsEventRecorder events)
    {
        _reads = reads;
        _templates = templates;
        _events = events;
    }

    /// <param name="fresh">A forced refresh: no cached read may answer it.</param>
    public async Task<Dictionary<string, byte[]>> FetchAsync(ExternalSecret es, StoreResolver.Session stores, TimeSpan refreshInterval, bool fresh, bool skipNotFound, EventSubject subject, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var dataFrom = es.Spec.DataFrom ?? [];
        for (var i = 0; i < dataFrom.Count; i++)
        {
            var entry = dataFrom[i];
            if (entry.SourceRef?.GeneratorRef is not null)
            {
                throw new SyncException($"spec.dataFrom[{i}]: generators are not supported yet");
            }

            if (entry.Find is not null)
            {
                throw new SyncException($"spec.dataFrom[{i}]: find is not supported yet");
            }

            var extract = entry.Extract ?? throw new SyncException($"spec.dataFrom[{i}] needs extract");
            var (store, client) = await stores.ConnectAsync(entry.SourceRef?.StoreRef ?? es.Spec.SecretStoreRef, cancellationToken).ConfigureAwait(false);
            IReadOnlyDictionary<string, byte[]> map;
            try
            {
                map = await _reads.GetSecretMapAsync(store, client, ToRemoteRef(extract, $"spec.dataFrom[{i}].extract"), refreshInterval, fresh, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound && skipNotFound)
            {
                await _events.RecordAsync(subject, ExternalSecretReconciler.Component, "Normal", "MissingProviderSecret", $"secret does not exist at provider using spec.dataFrom[{i}]", cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (SecretStoreException ex)
            {
                throw new SyncException($"spec.dataFrom[{i}]: {ex.Message}", ex);
            }

            var keyed = entry.Rewrite is { Count: > 0 } rewrites
                ? KeyStrategies.Rewrite(map, rewrites, _templates)
                : KeyStrategies.ConvertKeys(map, extract.ConversionStrategy);
            foreach (var (key, value) in KeyStrategies.ValidateKeys(keyed))
            {
                var decoded = KeyStrategies.Decode(value, extract.DecodingStrategy, key);
                KeyStrategies.CheckNullBytes(decoded, extract.NullBytePolicy, key);
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

            if (entry.SourceRef?.GeneratorRef is not null)
            {
                throw new SyncException($"spec.data[{i}]: generators are not supported");
            }

            var (store, client) = await stores.ConnectAsync(entry.SourceRef?.StoreRef ?? es.Spec.SecretStoreRef, cancellationToken).ConfigureAwait(false);
            byte[] value;
            try
            {
                value = await _reads.GetSecretAsync(store, client, ToRemoteRef(entry.RemoteRef, $"spec.data[{i}].remoteRef"), refreshInterval, fresh, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound && skipNotFound)
            {
                await _events.RecordAsync(subject, ExternalSecretReconciler.Component, "Normal", "MissingProviderSecret", $"secret does not exist at provider using spec.data[{i}] (key={entry.RemoteRef.Key})", cancellationToken).ConfigureAwait(false);
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
