using System.Diagnostics;
using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Generators;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// Brings one ExternalSecret's target Secret in step with its stores, following eso.md 3.2: finalizer and deletion,
/// controller class, refresh decision, fetch, render, write per creation and deletion policy, status, events, metrics.
/// Stricter than the External Secrets Operator on one point: a Secret without the managed label is never taken over
/// except under creationPolicy Merge. A failure never deletes or changes the Secret.
/// </summary>
internal sealed class ExternalSecretReconciler(ExternalSecretReconciler.Dependencies deps) : IReconciler
{
    public const string Finalizer = "externalsecrets.external-secrets.io/externalsecret-cleanup";
    public const string ManagedLabel = "reconcile.external-secrets.io/managed";
    public const string CreatedByLabel = "reconcile.external-secrets.io/created-by";
    public const string DataHashAnnotation = "reconcile.external-secrets.io/data-hash";
    public const string Component = "external-secrets";
    public const string ApiVersion = "external-secrets.io/v1";
    public const string KindName = "ExternalSecret";

    // The ExternalSecret as last read; the JSON is mutable, so what is kept and what is handed out are copies.
    private readonly LastRead<JsonObject> _read = new(deps.Informers, raw => raw["metadata"]?["resourceVersion"]?.GetValue<string>());

    public string Kind => KindName;

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var ns = key.Namespace ?? string.Empty;
        var started = deps.Time.GetTimestamp();
        try
        {
            return await ReconcileGuard.RunAsync(
                () => ReconcileCoreAsync(key, ns, key.Name, cancellationToken),
                () =>
                {
                    _read.Remember(KindName, key, null); // The copy kept is behind the server: the retry reads it anew.
                    ExternalSecretsLog.Conflict(deps.Logger, KindName, ns, key.Name);
                },
                reason =>
                {
                    deps.Metrics.SyncError(ns, key.Name);
                    ExternalSecretsLog.SyncFailed(deps.Logger, KindName, ns, key.Name, reason);
                }).ConfigureAwait(false);
        }
        finally
        {
            deps.Metrics.SyncCall(ns, key.Name);
            deps.Metrics.ExternalSecretReconciled(ns, key.Name, deps.Time.GetElapsedTime(started));
        }
    }

    private async Task<ReconcileResult> ReconcileCoreAsync(ObjectKey key, string ns, string name, CancellationToken cancellationToken)
    {
        var raw = _read.Unchanged(KindName, key)?.DeepClone().AsObject();
        if (raw is null)
        {
            raw = await deps.Api.GetAsync(EsoCollection.ExternalSecrets, ns, name, cancellationToken).ConfigureAwait(false);
            _read.Remember(KindName, key, raw?.DeepClone().AsObject());
        }

        if (raw is null)
        {
            deps.Metrics.ExternalSecretDeleted(ns, name);
            return ReconcileResult.Done;
        }

        var doc = ExternalSecretDocument.From(raw);

        if (doc.Typed.Metadata.DeletionTimestamp is not null)
        {
            _read.Remember(KindName, key, null); // On its way out: the finalizer's removal moves it past any copy.
            return await FinalizeAsync(doc, cancellationToken).ConfigureAwait(false);
        }

        if (doc.Typed.Metadata.Finalizers?.Contains(Finalizer) != true)
        {
            var updated = await deps.Api.UpdateAsync(EsoCollection.ExternalSecrets, Finalizers.Set(doc.Raw, Finalizer, present: true), cancellationToken).ConfigureAwait(false);
            _read.Remember(KindName, key, updated.DeepClone().AsObject());
            doc = ExternalSecretDocument.From(updated);
        }

        var sync = new SyncRun(deps, doc, deps.Time.GetUtcNow(), written => _read.Remember(KindName, key, written));
        return await sync.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> FinalizeAsync(ExternalSecretDocument doc, CancellationToken cancellationToken)
    {
        var es = doc.Typed;
        var ns = es.Metadata.Namespace ?? string.Empty;
        var name = es.Metadata.Name ?? string.Empty;
        if (es.Metadata.Finalizers?.Contains(Finalizer) == true)
        {
            if (es.Spec.Target?.DeletionPolicy == "Delete")
            {
                var target = TargetName(es);
                var secret = await deps.Api.GetSecretAsync(ns, target, cancellationToken).ConfigureAwait(false);
                if (secret is not null && IsControlledBy(secret, es) && await deps.Api.DeleteSecretAsync(ns, target, cancellationToken).ConfigureAwait(false))
                {
                    ExternalSecretsLog.SecretWritten(deps.Logger, ns, name, target, "deleted");
                    await deps.Events.RecordAsync(Subject(es), Component, "Normal", "Deleted", "secret deleted due to DeletionPolicy=Delete", cancellationToken).ConfigureAwait(false);
                }
            }

            await deps.Api.UpdateAsync(EsoCollection.ExternalSecrets, Finalizers.Set(doc.Raw, Finalizer, present: false), cancellationToken).ConfigureAwait(false);
        }

        // Generated credentials die with the ExternalSecret; a revocation Vault refuses is retried in the background.
        await deps.Leases.RevokeAllAsync(es.Metadata.Uid ?? string.Empty, cancellationToken).ConfigureAwait(false);
        deps.Ledger.Forget(es.Metadata.Uid);
        deps.Metrics.ExternalSecretDeleted(ns, name);
        return ReconcileResult.Done;
    }

    internal static string TargetName(ExternalSecret es) => string.IsNullOrEmpty(es.Spec.Target?.Name) ? es.Metadata.Name ?? string.Empty : es.Spec.Target.Name;

    internal static bool IsControlledBy(ManagedSecret secret, ExternalSecret es) =>
        secret.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == es.Metadata.Uid && o.Kind == KindName) == true;

    internal static EventSubject Subject(ExternalSecret es) =>
        new(ApiVersion, KindName, es.Metadata.Namespace, es.Metadata.Name ?? string.Empty, es.Metadata.Uid);

    /// <summary>The services one reconcile uses, resolved once from DI.</summary>
    internal sealed record Dependencies(
        ExternalSecretsKubeApi Api,
        StoreResolver Stores,
        ExternalSecretFetcher Fetcher,
        TargetSecretWriter Writer,
        ExternalSecretsEventRecorder Events,
        ExternalSecretMetrics Metrics,
        InformerCaches Informers,
        RefreshLedger Ledger,
        GeneratedLeases Leases,
        TimeProvider Time,
        ILogger<ExternalSecretReconciler> Logger);

    /// <summary>One sync of one ExternalSecret (steps 4 to 12 of eso.md 3.2).</summary>
    private sealed class SyncRun(Dependencies deps, ExternalSecretDocument doc, DateTimeOffset now, Action<JsonObject> written)
    {
        private readonly ExternalSecret _es = doc.Typed;
        private readonly string _ns = doc.Typed.Metadata.Namespace ?? string.Empty;
        private readonly string _name = doc.Typed.Metadata.Name ?? string.Empty;
        private readonly string _target = TargetName(doc.Typed);
        private readonly string _creation = doc.Typed.Spec.Target?.CreationPolicy is { Length: > 0 } creation ? creation : "Owner";
        private readonly string _deletion = doc.Typed.Spec.Target?.DeletionPolicy is { Length: > 0 } deletion ? deletion : "Retain";
        private readonly string _version = $"{doc.Typed.Metadata.Generation ?? 0}-{EsoHashes.MetaHash(doc.Typed.Metadata.Labels, doc.Typed.Metadata.Annotations)}";
        private readonly DateTimeOffset? _lastRefresh = deps.Ledger.LastRefresh(doc.Typed.Metadata.Uid, ReadyCondition.Parse(doc.Typed.Status?.RefreshTime));
        private readonly string _uid = doc.Typed.Metadata.Uid ?? string.Empty;
        private bool _wrote;
        private bool _succeeded;

        public async Task<ReconcileResult> RunAsync(CancellationToken cancellationToken)
        {
            // A user asked for this sync (spec or metadata changed since the last one): stores are read now, too.
            var synced = _es.Status?.SyncedResourceVersion;
            var asked = !string.IsNullOrEmpty(synced) && synced != _version;
            var stores = deps.Stores.Begin(_ns, readStoresNow: asked);
            TimeSpan interval;
            try
            {
                // A store (or a sourceRef store) of another controller class: not ours to touch, not even the status.
                foreach (var storeRef in StoreRefs())
                {
                    if (await stores.LoadAsync(storeRef, cancellationToken).ConfigureAwait(false) is { } store && !deps.Stores.IsOurs(store.Resource))
                    {
                        ExternalSecretsLog.Skipped(deps.Logger, KindName, _ns, _name, $"{store.Description} belongs to controller class \"{store.Resource.Spec.Controller}\"");
                        return ReconcileResult.Done;
                    }
                }

                interval = SpecRefreshInterval.Parse(_es.Spec.RefreshInterval);
            }
            catch (SyncException ex)
            {
                return await FailAsync(ex, cancellationToken).ConfigureAwait(false);
            }

            var existing = await deps.Api.GetSecretAsync(_ns, _target, cancellationToken).ConfigureAwait(false);
            var managed = existing?.Metadata.Labels?.GetValueOrDefault(ManagedLabel) == "true";
            if (existing is not null && !managed && _creation is "Owner" or "Orphan")
            {
                return await FailAsync(
                    new SyncException($"Secret \"{_target}\" already exists and is not managed (no label {ManagedLabel}=true): it is left untouched; delete it or use creationPolicy Merge") { ReadyMessage = "could not update secret" },
                    cancellationToken).ConfigureAwait(false);
            }

            var valid = IsValid(existing, managed);
            // Generated Vault credentials are renewed between refreshes; one that cannot be kept is generated anew now.
            if (!ShouldRefresh(interval) && valid && await deps.Leases.KeepAsync(_uid, cancellationToken).ConfigureAwait(false))
            {
                return WithLeases(RequeueAfterRefresh(interval));
            }

            // A user asked for this sync or the Secret was tampered with: read the backend now.
            var fresh = (existing is not null && !valid) || asked;
            try
            {
                return await FetchAndWriteAsync(existing, stores, interval, fresh, synced, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // What this sync generated replaces what the Secret held only once it succeeded; else it is revoked.
                await deps.Leases.SettleAsync(_uid, _succeeded, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<ReconcileResult> FetchAndWriteAsync(ManagedSecret? existing, StoreResolver.Session stores, TimeSpan interval, bool fresh, string? synced, CancellationToken cancellationToken)
        {
            try
            {
                var data = await deps.Fetcher.FetchAsync(_es, stores, interval, fresh, skipNotFound: _deletion != "Retain", Subject(_es), cancellationToken).ConfigureAwait(false);
                if (data.Count == 0)
                {
                    switch (_deletion)
                    {
                        case "Delete":
                            if (_creation != "Owner")
                            {
                                throw new SyncException("deletionPolicy Delete needs creationPolicy Owner") { ReadyMessage = "could not delete secret", Retry = false };
                            }

                            if (existing is not null && await deps.Api.DeleteSecretAsync(_ns, _target, cancellationToken).ConfigureAwait(false))
                            {
                                ExternalSecretsLog.SecretWritten(deps.Logger, _ns, _name, _target, "deleted");
                                await Event("Normal", "Deleted", "secret deleted due to DeletionPolicy=Delete", cancellationToken).ConfigureAwait(false);
                            }

                            return await SucceedAsync("SecretDeleted", "secret deleted due to DeletionPolicy=Delete", interval, cancellationToken).ConfigureAwait(false);
                        case "Merge":
                            break;
                        default:
                            return await SucceedAsync("SecretSynced", "secret retained due to DeletionPolicy=Retain", interval, cancellationToken).ConfigureAwait(false);
                    }
                }

                switch (_creation)
                {
                    case "None":
                        return await SucceedAsync("SecretSynced", "secret synced", interval, cancellationToken).ConfigureAwait(false);
                    case "Merge" when existing is null:
                        return await SucceedAsync("SecretMissing", "secret will not be created due to CreationPolicy=Merge", interval, cancellationToken).ConfigureAwait(false);
                    case "Owner" or "Orphan" or "Merge" or "CreateOrMerge":
                        _wrote = await deps.Writer.WriteAsync(_es, _creation, existing, data, specChanged: !string.IsNullOrEmpty(synced) && synced != _version, cancellationToken).ConfigureAwait(false);
                        return await SucceedAsync("SecretSynced", "secret synced", interval, cancellationToken).ConfigureAwait(false);
                    default:
                        throw new SyncException($"creationPolicy \"{_creation}\" is not supported") { ReadyMessage = "could not update secret", Retry = false };
                }
            }
            catch (SyncException ex)
            {
                return await FailAsync(ex, cancellationToken).ConfigureAwait(false);
            }
        }

        private IEnumerable<StoreRef?> StoreRefs()
        {
            if (_es.Spec.SecretStoreRef is { } main)
            {
                yield return main;
            }

            foreach (var entry in _es.Spec.Data ?? [])
            {
                if (entry.SourceRef?.StoreRef is { } storeRef)
                {
                    yield return storeRef;
                }
            }

            foreach (var entry in _es.Spec.DataFrom ?? [])
            {
                if (entry.SourceRef?.StoreRef is { } storeRef)
                {
                    yield return storeRef;
                }
            }
        }

        private bool ShouldRefresh(TimeSpan interval)
        {
            var synced = _es.Status?.SyncedResourceVersion;
            var refreshTime = _lastRefresh;
            switch (_es.Spec.RefreshPolicy)
            {
                case "CreatedOnce":
                    return string.IsNullOrEmpty(synced) || refreshTime is null;
                case "OnChange":
                    return string.IsNullOrEmpty(synced) || refreshTime is null || synced != _version;
                default:
                    if (interval <= TimeSpan.Zero && !string.IsNullOrEmpty(synced))
                    {
                        return false;
                    }

                    if (synced != _version || refreshTime is null || refreshTime > now)
                    {
                        return true;
                    }

                    return now >= refreshTime.Value + interval;
            }
        }

        // Valid: Orphan (never re-checked), or ours with the data the data-hash says we wrote.
        private bool IsValid(ManagedSecret? existing, bool managed) =>
            _creation == "Orphan" ||
            (existing is not null && managed &&
             existing.Metadata.Annotations?.GetValueOrDefault(DataHashAnnotation) == EsoHashes.DataHash(existing.Data));

        private ReconcileResult RequeueAfterRefresh(TimeSpan interval)
        {
            if (interval <= TimeSpan.Zero || _es.Spec.RefreshPolicy is "CreatedOnce" or "OnChange")
            {
                return ReconcileResult.Done;
            }

            var refreshTime = _lastRefresh ?? now;
            var wait = refreshTime + interval - now;
            return ReconcileResult.After(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        }

        /// <summary>Comes back sooner when a generated lease wants renewing before <paramref name="next"/>.</summary>
        private ReconcileResult WithLeases(ReconcileResult next)
        {
            if (deps.Leases.RenewDue(_uid) is not { } due)
            {
                return next;
            }

            // At least a second: a lease shorter than the renewal margin must not spin the queue.
            var wait = due - deps.Time.GetUtcNow();
            wait = wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1);
            return next.RequeueAfter is { } after && after <= wait ? next : ReconcileResult.After(wait);
        }

        private Task<ReconcileResult> SucceedAsync(string reason, string message, TimeSpan interval, CancellationToken cancellationToken)
        {
            _succeeded = true;
            var status = new ExternalSecretStatus
            {
                RefreshTime = ReadyCondition.Timestamp(now),
                SyncedResourceVersion = _version,
                Conditions = ReadyCondition.Set(_es.Status?.Conditions, ready: true, reason, message, now),
                Binding = new SecretBinding { Name = _target },
            };
            deps.Metrics.ExternalSecretReady(_ns, _name, ready: true);
            var next = WithLeases(interval > TimeSpan.Zero && _es.Spec.RefreshPolicy is not ("CreatedOnce" or "OnChange") ? ReconcileResult.After(interval) : ReconcileResult.Done);
            return WriteStatusAsync(status, next, cancellationToken);
        }

        private async Task<ReconcileResult> FailAsync(SyncException failure, CancellationToken cancellationToken)
        {
            deps.Metrics.SyncError(_ns, _name);
            deps.Metrics.ExternalSecretReady(_ns, _name, ready: false);
            ExternalSecretsLog.SyncFailed(deps.Logger, KindName, _ns, _name, failure.Message);
            await Event("Warning", "UpdateFailed", failure.Message, cancellationToken).ConfigureAwait(false);
            var status = new ExternalSecretStatus
            {
                RefreshTime = _es.Status?.RefreshTime,
                SyncedResourceVersion = _es.Status?.SyncedResourceVersion,
                Conditions = ReadyCondition.Set(_es.Status?.Conditions, ready: false, "SecretSyncedError", failure.ReadyMessage, now),
                Binding = _es.Status?.Binding,
            };
            return await WriteStatusAsync(status, failure.Retry ? ReconcileResult.Retry : ReconcileResult.Done, cancellationToken).ConfigureAwait(false);
        }

        private async Task<ReconcileResult> WriteStatusAsync(ExternalSecretStatus status, ReconcileResult next, CancellationToken cancellationToken)
        {
            var current = _es.Status is null ? "{}" : JsonSerializer.Serialize(_es.Status, EsoJsonContext.Default.ExternalSecretStatus);
            var desired = JsonSerializer.Serialize(status, EsoJsonContext.Default.ExternalSecretStatus);
            if (current == desired)
            {
                return next;
            }

            // A refresh that wrote nothing and changes nothing but refreshTime is remembered, not written: no API write
            // per ExternalSecret per interval when the store did not change.
            if (!_wrote && _es.Status?.RefreshTime is { } kept && status.RefreshTime != kept
                && current == JsonSerializer.Serialize(status with { RefreshTime = kept }, EsoJsonContext.Default.ExternalSecretStatus))
            {
                deps.Ledger.Record(_es.Metadata.Uid, now);
                return next;
            }

            var raw = (System.Text.Json.Nodes.JsonObject)doc.Raw.DeepClone();
            raw["status"] = JsonSerializer.SerializeToNode(status, EsoJsonContext.Default.ExternalSecretStatus);
            // A 409 (someone wrote the ExternalSecret since we read it) is ReconcileGuard's: it starts over at once.
            written((await deps.Api.UpdateStatusAsync(EsoCollection.ExternalSecrets, raw, cancellationToken).ConfigureAwait(false)).DeepClone().AsObject());
            return next;
        }

        private Task Event(string type, string reason, string message, CancellationToken cancellationToken) =>
            deps.Events.RecordAsync(Subject(_es), Component, type, reason, message, cancellationToken);

    }
}
