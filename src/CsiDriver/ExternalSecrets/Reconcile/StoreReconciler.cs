using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Hosting;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// Validates a <c>SecretStore</c> or <c>ClusterSecretStore</c> through its store provider and keeps its <c>Ready</c>
/// condition and <c>capabilities</c> (eso.md 5). The status is written, and the <c>Valid</c> event recorded, only
/// when the condition changes; the store is validated again after its <c>refreshInterval</c> (or the default).
/// </summary>
internal sealed class StoreReconciler(
    string kind,
    ExternalSecretsKubeApi api,
    StoreResolver resolver,
    ExternalSecretsEventRecorder events,
    ExternalSecretMetrics metrics,
    ExternalSecretsReconcileOptions options,
    TimeProvider time,
    ILogger<StoreReconciler> logger) : IReconciler
{
    public string Kind { get; } = kind;

    private bool IsCluster => Kind == StoreContext.ClusterSecretStoreKind;

    private string Component => IsCluster ? "cluster-secret-store" : "secret-store";

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            return await ReconcileCoreAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.IsStaleUpdate)
        {
            return ReconcileResult.After(TimeSpan.Zero);
        }
        finally
        {
            metrics.StoreReconciled(Kind, key.Namespace, key.Name, time.GetElapsedTime(started));
        }
    }

    private async Task<ReconcileResult> ReconcileCoreAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var raw = await api.GetAsync(EsoCollection.Stores(IsCluster), key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            metrics.StoreDeleted(Kind, key.Namespace, key.Name);
            return ReconcileResult.Done;
        }

        var store = LoadedStore.Parse(Kind, raw);
        if (!resolver.IsOurs(store.Resource))
        {
            return ReconcileResult.Done;
        }

        var subject = new EventSubject(store.Resource.ApiVersion ?? ExternalSecretReconciler.ApiVersion, Kind, IsCluster ? null : key.Namespace, key.Name, store.Resource.Metadata.Uid);
        if (!TryRefreshInterval(store.Resource.Spec.RefreshInterval, out var interval))
        {
            await events.RecordAsync(subject, Component, "Warning", "InvalidProviderConfig", $"spec.refreshInterval \"{store.Resource.Spec.RefreshInterval?.ToJsonString()}\" is neither seconds nor a duration", cancellationToken).ConfigureAwait(false);
            return await WriteAsync(store, ready: false, "InvalidProviderConfig", "unable to validate store", null, ReconcileResult.Retry, cancellationToken).ConfigureAwait(false);
        }

        var provider = resolver.Provider(store.ProviderKey);
        if (provider is null)
        {
            await events.RecordAsync(subject, Component, "Warning", "InvalidProviderConfig", $"provider \"{store.ProviderKey ?? "(none)"}\" is not supported by this controller", cancellationToken).ConfigureAwait(false);
            return await WriteAsync(store, ready: false, "InvalidProviderConfig", "unable to create client", null, ReconcileResult.Retry, cancellationToken).ConfigureAwait(false);
        }

        // A ClusterSecretStore validates with no namespace: referent references cannot be checked (Unknown, no error).
        var validation = await provider.ValidateAsync(store.Context(IsCluster ? string.Empty : key.Namespace ?? string.Empty), cancellationToken).ConfigureAwait(false);
        var next = ReconcileResult.After(interval);
        switch (validation.Result)
        {
            case StoreValidationResult.Ready:
            case StoreValidationResult.Unknown when validation.Error is null:
                return await WriteAsync(store, ready: true, "Valid", "store validated", "ReadWrite", next, cancellationToken, () =>
                    events.RecordAsync(subject, Component, "Normal", "Valid", "store validated", cancellationToken)).ConfigureAwait(false);
            case StoreValidationResult.Unknown:
                await events.RecordAsync(subject, Component, "Warning", "ValidationUnknown", validation.Error!, cancellationToken).ConfigureAwait(false);
                return await WriteAsync(store, ready: true, "ValidationUnknown", "could not determine validation status", store.Resource.Status?.Capabilities, next, cancellationToken).ConfigureAwait(false);
            default:
                await events.RecordAsync(subject, Component, "Warning", "InvalidProviderConfig", validation.Error ?? "store validation failed", cancellationToken).ConfigureAwait(false);
                return await WriteAsync(store, ready: false, "InvalidProviderConfig", "unable to validate store", store.Resource.Status?.Capabilities, ReconcileResult.Retry, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ReconcileResult> WriteAsync(LoadedStore store, bool ready, string reason, string message, string? capabilities, ReconcileResult next, CancellationToken cancellationToken, Func<Task>? onChange = null)
    {
        var name = store.Name;
        var ns = store.Resource.Metadata.Namespace;
        metrics.StoreReady(Kind, IsCluster ? null : ns, name, ready);
        var status = new SecretStoreStatus
        {
            Conditions = ReadyCondition.Set(store.Resource.Status?.Conditions, ready, reason, message, time.GetUtcNow()),
            Capabilities = capabilities,
        };
        var current = store.Resource.Status is null ? "{}" : JsonSerializer.Serialize(store.Resource.Status, EsoJsonContext.Default.SecretStoreStatus);
        if (current == JsonSerializer.Serialize(status, EsoJsonContext.Default.SecretStoreStatus))
        {
            return next;
        }

        var raw = (JsonObject)store.Raw.DeepClone();
        raw["status"] = JsonSerializer.SerializeToNode(status, EsoJsonContext.Default.SecretStoreStatus);
        await api.UpdateStatusAsync(EsoCollection.Stores(IsCluster), raw, cancellationToken).ConfigureAwait(false);

        ExternalSecretsLog.StoreValidated(logger, Kind, ns is null ? name : $"{ns}/{name}", ready ? "True" : "False", reason);
        if (onChange is not null)
        {
            await onChange().ConfigureAwait(false);
        }

        return next;
    }

    /// <summary>An integer (seconds) or a Go duration string; unset or zero means the controller's default.</summary>
    private bool TryRefreshInterval(JsonNode? value, out TimeSpan interval)
    {
        interval = options.StoreRequeueInterval;
        switch (value)
        {
            case null:
                return true;
            case JsonValue v when v.TryGetValue<long>(out var seconds):
                if (seconds < 0)
                {
                    return false;
                }

                if (seconds > 0)
                {
                    interval = TimeSpan.FromSeconds(seconds);
                }

                return true;
            case JsonValue v when v.TryGetValue<string>(out var text):
                try
                {
                    var parsed = GoDuration.Parse(text);
                    if (parsed < TimeSpan.Zero)
                    {
                        return false;
                    }

                    if (parsed > TimeSpan.Zero)
                    {
                        interval = parsed;
                    }

                    return true;
                }
                catch (FormatException)
                {
                    return false;
                }

            default:
                return false;
        }
    }
}
