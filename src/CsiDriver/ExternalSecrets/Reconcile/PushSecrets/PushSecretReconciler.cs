using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>
/// Pushes a PushSecret's source Secret to its stores (eso.md section 7): finalizer when <c>deletionPolicy: Delete</c>,
/// refresh decision, source Secret read with a GET on each push, template, each <c>data[]</c> entry written through the
/// store's <see cref="IStoreWriter"/> (which writes only a value that differs and never overwrites a remote secret it
/// did not mark as managed), <c>updatePolicy</c>, deletion of what left the spec, <c>SourceDeleted</c>, status and events.
/// A failure changes no remote secret that was not already written, and is retried with backoff.
/// </summary>
internal sealed class PushSecretReconciler(PushSecretReconciler.Dependencies deps) : IReconciler
{
    public const string Finalizer = "pushsecret.externalsecrets.io/finalizer";
    public const string Component = "pushsecret";
    public const string ApiVersion = "external-secrets.io/v1alpha1";
    public const string KindName = "PushSecret";
    public const string SyncedMessage = "PushSecret synced successfully";
    public const string UnchangedSuffix = ". Existing secrets in providers unchanged.";
    public const string SourceDeletedMessage = "source secret deleted; provider secrets cleaned up";
    private static readonly TimeSpan RequeueSlack = TimeSpan.FromSeconds(5);


    public string Kind => KindName;

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var ns = key.Namespace ?? string.Empty;
        var started = deps.Time.GetTimestamp();
        return await ReconcileGuard.RunAsync(
            async () =>
            {
                var raw = await deps.Api.GetAsync(EsoCollection.PushSecrets, ns, key.Name, cancellationToken).ConfigureAwait(false);
                if (raw is null)
                {
                    deps.Metrics.Deleted(ns, key.Name);
                    return ReconcileResult.Done;
                }

                var result = await new Run(deps, PushSecretDocument.From(raw)).ExecuteAsync(cancellationToken).ConfigureAwait(false);
                deps.Metrics.Reconciled(ns, key.Name, deps.Time.GetElapsedTime(started));
                return result;
            },
            () => ExternalSecretsLog.Conflict(deps.Logger, KindName, ns, key.Name),
            reason => ExternalSecretsLog.SyncFailed(deps.Logger, KindName, ns, key.Name, reason)).ConfigureAwait(false);
    }

    /// <summary>The status key of one remote entry: <c>remoteKey</c>, or <c>remoteKey/property</c>.</summary>
    internal static string StatusRef(PushSecretRemoteRef remoteRef) =>
        string.IsNullOrEmpty(remoteRef.Property) ? remoteRef.RemoteKey : $"{remoteRef.RemoteKey}/{remoteRef.Property}";

    private static PushRef Target(PushSecretData entry) =>
        new(entry.Match.RemoteRef.RemoteKey, string.IsNullOrEmpty(entry.Match.RemoteRef.Property) ? null : entry.Match.RemoteRef.Property, entry.Metadata);

    /// <summary>The services one reconcile uses, resolved once from DI.</summary>
    internal sealed record Dependencies(
        ExternalSecretsKubeApi Api,
        StoreResolver Resolver,
        PushSecretStores Stores,
        PushSecretSource Source,
        ExternalSecretsEventRecorder Events,
        PushSecretMetrics Metrics,
        TimeProvider Time,
        ILogger<PushSecretReconciler> Logger);

    /// <summary>One reconcile of one PushSecret.</summary>
    private sealed class Run(Dependencies deps, PushSecretDocument doc)
    {
        private readonly string _ns = doc.Typed.Metadata.Namespace ?? string.Empty;
        private readonly string _name = doc.Typed.Metadata.Name ?? string.Empty;
        private readonly StoreResolver.Session _session = deps.Resolver.Begin(doc.Typed.Metadata.Namespace ?? string.Empty, readStoresNow: false);
        private readonly DateTimeOffset _now = deps.Time.GetUtcNow();
        private PushSecretDocument _doc = doc;

        private PushSecret Ps => _doc.Typed;

        private Dictionary<string, Dictionary<string, PushSecretData>> Synced => Ps.Status?.SyncedPushSecrets ?? [];

        private bool DeletePolicy => Ps.Spec.DeletionPolicy == "Delete";

        public async Task<ReconcileResult> ExecuteAsync(CancellationToken cancellationToken)
        {
            var hasFinalizer = Ps.Metadata.Finalizers?.Contains(Finalizer) == true;
            if (Ps.Metadata.DeletionTimestamp is not null)
            {
                return hasFinalizer ? await FinalizeAsync(cancellationToken).ConfigureAwait(false) : ReconcileResult.Done;
            }

            if (DeletePolicy != hasFinalizer)
            {
                // Delete needs the finalizer so remote entries go with the PushSecret; None must not hold the PushSecret.
                _doc = PushSecretDocument.From(await deps.Api.UpdateAsync(EsoCollection.PushSecrets, WithFinalizer(DeletePolicy), cancellationToken).ConfigureAwait(false));
            }

            var version = $"{Ps.Metadata.Generation ?? 0}-{EsoHashes.MetaHash(Ps.Metadata.Labels, Ps.Metadata.Annotations)}";
            TimeSpan interval;
            IReadOnlyList<LoadedStore> stores;
            try
            {
                interval = SpecRefreshInterval.Parse(Ps.Spec.RefreshInterval);
                stores = await deps.Stores.ResolveAsync(Ps, _session, cancellationToken).ConfigureAwait(false);
            }
            catch (SyncException ex)
            {
                return await FailAsync(ex.Message, Synced, ex.Retry, cancellationToken).ConfigureAwait(false);
            }

            if (stores.Count == 0)
            {
                ExternalSecretsLog.Skipped(deps.Logger, KindName, _ns, _name, "no store of this controller class is left to push to");
                return ReconcileResult.Done;
            }

            if (Ps.Status?.SyncedResourceVersion == version && ReadyCondition.Parse(Ps.Status.RefreshTime) is { } refreshed && IsReady())
            {
                if (interval <= TimeSpan.Zero)
                {
                    return ReconcileResult.Done;
                }

                var elapsed = _now - refreshed;
                if (elapsed < interval)
                {
                    return ReconcileResult.After(interval - elapsed + RequeueSlack);
                }
            }

            return await PushAsync(stores, version, interval, cancellationToken).ConfigureAwait(false);
        }

        private bool IsReady() => Ps.Status?.Conditions?.Any(c => c.Type == ReadyCondition.Type && c.Status == "True") == true;

        private async Task<ReconcileResult> PushAsync(IReadOnlyList<LoadedStore> stores, string version, TimeSpan interval, CancellationToken cancellationToken)
        {
            ManagedSecret? secret;
            try
            {
                secret = await ReadSourceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SyncException ex)
            {
                return await FailAsync(ex.Message, Synced, ex.Retry, cancellationToken).ConfigureAwait(false);
            }

            if (secret is null)
            {
                return await SourceDeletedAsync(cancellationToken).ConfigureAwait(false);
            }

            var pushed = new Dictionary<string, Dictionary<string, PushSecretData>>(StringComparer.Ordinal);
            var entries = Ps.Spec.Data ?? [];
            int written = 0, existing = 0;
            try
            {
                var data = await deps.Source.DataAsync(Ps, secret, cancellationToken).ConfigureAwait(false);
                foreach (var store in stores)
                {
                    var synced = pushed[PushSecretStores.StatusKey(store)] = new Dictionary<string, PushSecretData>(StringComparer.Ordinal);
                    var writer = await WriterAsync(store, cancellationToken).ConfigureAwait(false);
                    foreach (var entry in entries)
                    {
                        if (string.IsNullOrEmpty(entry.Match.RemoteRef.RemoteKey))
                        {
                            throw new SyncException("data[].match.remoteRef.remoteKey is required") { Retry = false };
                        }

                        var value = PushSecretSource.ValueFor(entry, data);
                        var target = Target(entry);
                        try
                        {
                            if (Ps.Spec.UpdatePolicy == "IfNotExists" && await writer.ExistsAsync(target, cancellationToken).ConfigureAwait(false))
                            {
                                existing++;
                            }
                            else if (await writer.PushAsync(target, value, cancellationToken).ConfigureAwait(false))
                            {
                                written++;
                            }
                        }
                        catch (SecretStoreException ex)
                        {
                            var what = string.IsNullOrEmpty(entry.Match.SecretKey) ? "the whole secret" : entry.Match.SecretKey;
                            throw new SyncException($"could not write remote ref {what} to target secretstore {store.Name}: {ex.Message}");
                        }

                        synced[StatusRef(entry.Match.RemoteRef)] = entry;
                    }
                }
            }
            catch (SyncException ex)
            {
                return await FailAsync($"set secret failed: {ex.Message}", Merge(pushed, Synced), ex.Retry, cancellationToken).ConfigureAwait(false);
            }

            var deleted = 0;
            if (DeletePolicy)
            {
                var (remaining, count, error) = await DeleteAsync(keep: pushed, cancellationToken).ConfigureAwait(false);
                deleted = count;
                if (error is not null)
                {
                    return await FailAsync($"Failed to Delete Secrets from Provider: {error}", remaining, retry: true, cancellationToken).ConfigureAwait(false);
                }
            }

            PushSecretLog.Pushed(deps.Logger, _ns, _name, written, pushed.Sum(p => p.Value.Count), deleted);
            var message = Ps.Spec.UpdatePolicy == "IfNotExists" ? SyncedMessage + UnchangedSuffix : SyncedMessage;
            var status = new PushSecretStatus
            {
                RefreshTime = ReadyCondition.Timestamp(_now),
                SyncedResourceVersion = version,
                SyncedPushSecrets = pushed,
                Conditions = ReadyCondition.Set(Ps.Status?.Conditions, ready: true, "Synced", message, _now),
            };
            await EventAsync("Normal", "Synced", message, cancellationToken).ConfigureAwait(false);
            return await WriteStatusAsync(status, interval > TimeSpan.Zero ? ReconcileResult.After(interval) : ReconcileResult.Done, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The source Secret, or null when it does not exist.</summary>
        private async Task<ManagedSecret?> ReadSourceAsync(CancellationToken cancellationToken)
        {
            var selector = Ps.Spec.Selector;
            if (selector?.GeneratorRef is not null)
            {
                throw new SyncException("spec.selector.generatorRef is not supported by this controller yet") { Retry = false };
            }

            if (Ps.Spec.DataTo is { Count: > 0 })
            {
                throw new SyncException("spec.dataTo is not supported by this controller yet") { Retry = false };
            }

            if (string.IsNullOrEmpty(selector?.Secret?.Name))
            {
                throw new SyncException(selector?.Secret?.Selector is not null
                    ? "spec.selector.secret.selector is not supported by this controller yet: name one Secret"
                    : "spec.selector.secret.name is required") { Retry = false };
            }

            return await deps.Api.GetSecretAsync(_ns, selector.Secret.Name, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The source Secret is gone: with Delete, what was pushed goes too (eso.md 7.2 <c>SourceDeleted</c>).</summary>
        private async Task<ReconcileResult> SourceDeletedAsync(CancellationToken cancellationToken)
        {
            if (!DeletePolicy || Synced.Count == 0)
            {
                return await FailAsync("could not get source secret", Synced, retry: true, cancellationToken).ConfigureAwait(false);
            }

            var (remaining, _, error) = await DeleteAsync(keep: [], cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                return await FailAsync($"Failed to Delete Secrets from Provider: {error}", remaining, retry: true, cancellationToken).ConfigureAwait(false);
            }

            var status = new PushSecretStatus
            {
                RefreshTime = Ps.Status?.RefreshTime,
                SyncedResourceVersion = Ps.Status?.SyncedResourceVersion,
                Conditions = ReadyCondition.Set(Ps.Status?.Conditions, ready: false, "SourceDeleted", SourceDeletedMessage, _now),
            };
            await EventAsync("Normal", "SourceDeleted", SourceDeletedMessage, cancellationToken).ConfigureAwait(false);
            return await WriteStatusAsync(status, ReconcileResult.Done, cancellationToken).ConfigureAwait(false);
        }

        private async Task<ReconcileResult> FinalizeAsync(CancellationToken cancellationToken)
        {
            var (remaining, _, error) = await DeleteAsync(keep: [], cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                return await FailAsync($"Failed to Delete Secrets from Provider: {error}", remaining, retry: true, cancellationToken).ConfigureAwait(false);
            }

            await deps.Api.UpdateAsync(EsoCollection.PushSecrets, WithFinalizer(false), cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        /// <summary>
        /// Deletes every entry of the status that <paramref name="keep"/> does not hold. Returns what is still synced
        /// (kept, plus whatever could not be deleted), how many were deleted, and the first error.
        /// </summary>
        private async Task<(Dictionary<string, Dictionary<string, PushSecretData>> Remaining, int Deleted, string? Error)> DeleteAsync(
            Dictionary<string, Dictionary<string, PushSecretData>> keep, CancellationToken cancellationToken)
        {
            var remaining = Merge(keep, Synced);
            var deleted = 0;
            foreach (var (storeKey, entries) in Synced)
            {
                foreach (var (statusRef, entry) in entries)
                {
                    if (keep.TryGetValue(storeKey, out var kept) && kept.ContainsKey(statusRef))
                    {
                        continue;
                    }

                    try
                    {
                        var slash = storeKey.IndexOf('/', StringComparison.Ordinal);
                        var store = await _session.LoadAsync(new StoreRef { Kind = storeKey[..Math.Max(slash, 0)], Name = storeKey[(slash + 1)..] }, cancellationToken).ConfigureAwait(false)
                            ?? throw new SyncException($"could not get {storeKey}, not found");
                        var writer = await WriterAsync(store, cancellationToken).ConfigureAwait(false);
                        await writer.DeleteAsync(Target(entry), cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is SyncException or SecretStoreException)
                    {
                        return (remaining, deleted, $"{storeKey}: {statusRef}: {ex.Message}");
                    }

                    PushSecretLog.RemoteDeleted(deps.Logger, _ns, _name, storeKey, statusRef);
                    remaining[storeKey].Remove(statusRef);
                    if (remaining[storeKey].Count == 0)
                    {
                        remaining.Remove(storeKey);
                    }

                    deleted++;
                }
            }

            return (remaining, deleted, null);
        }

        private async Task<IStoreWriter> WriterAsync(LoadedStore store, CancellationToken cancellationToken)
        {
            var (_, client) = await _session.ConnectAsync(new StoreRef { Name = store.Name, Kind = store.Kind }, cancellationToken).ConfigureAwait(false);
            return client as IStoreWriter
                ?? throw new SyncException($"{store.Description}: provider \"{store.ProviderKey}\" does not support PushSecret (it cannot be written to)") { Retry = false };
        }

        private static Dictionary<string, Dictionary<string, PushSecretData>> Merge(
            Dictionary<string, Dictionary<string, PushSecretData>> fresh, Dictionary<string, Dictionary<string, PushSecretData>> old)
        {
            var merged = fresh.ToDictionary(p => p.Key, p => new Dictionary<string, PushSecretData>(p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var (store, entries) in old)
            {
                if (!merged.TryGetValue(store, out var into))
                {
                    merged[store] = into = new Dictionary<string, PushSecretData>(StringComparer.Ordinal);
                }

                foreach (var (statusRef, entry) in entries)
                {
                    into.TryAdd(statusRef, entry);
                }
            }

            return merged;
        }

        private async Task<ReconcileResult> FailAsync(string message, Dictionary<string, Dictionary<string, PushSecretData>> synced, bool retry, CancellationToken cancellationToken)
        {
            ExternalSecretsLog.SyncFailed(deps.Logger, KindName, _ns, _name, message);
            await EventAsync("Warning", "Errored", message, cancellationToken).ConfigureAwait(false);
            var status = new PushSecretStatus
            {
                RefreshTime = Ps.Status?.RefreshTime,
                SyncedResourceVersion = Ps.Status?.SyncedResourceVersion,
                SyncedPushSecrets = synced.Count == 0 ? null : synced,
                Conditions = ReadyCondition.Set(Ps.Status?.Conditions, ready: false, "Errored", message, _now),
            };
            return await WriteStatusAsync(status, retry ? ReconcileResult.Retry : ReconcileResult.Done, cancellationToken).ConfigureAwait(false);
        }

        private async Task<ReconcileResult> WriteStatusAsync(PushSecretStatus status, ReconcileResult next, CancellationToken cancellationToken)
        {
            if (status.SyncedPushSecrets is { Count: 0 })
            {
                status = status with { SyncedPushSecrets = null };
            }

            deps.Metrics.ReadyStatus(_ns, _name, status.Conditions?.Any(c => c.Type == ReadyCondition.Type && c.Status == "True") == true);
            var current = Ps.Status is null ? "{}" : JsonSerializer.Serialize(Ps.Status, PushSecretJsonContext.Default.PushSecretStatus);
            var desired = JsonSerializer.Serialize(status, PushSecretJsonContext.Default.PushSecretStatus);
            if (current == desired)
            {
                return next;
            }

            var raw = (JsonObject)_doc.Raw.DeepClone();
            raw["status"] = JsonSerializer.SerializeToNode(status, PushSecretJsonContext.Default.PushSecretStatus);
            // A 409 is ReconcileGuard's: the reconcile starts over at once with the object as it now is.
            await deps.Api.UpdateStatusAsync(EsoCollection.PushSecrets, raw, cancellationToken).ConfigureAwait(false);
            return next;
        }

        private JsonObject WithFinalizer(bool present) => Finalizers.Set((JsonObject)_doc.Raw.DeepClone(), Finalizer, present);

        private Task EventAsync(string type, string reason, string message, CancellationToken cancellationToken) =>
            deps.Events.RecordAsync(new EventSubject(ApiVersion, KindName, _ns, _name, Ps.Metadata.Uid), Component, type, reason, message, cancellationToken);
    }
}
