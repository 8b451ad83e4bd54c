using CsiDriver.Observability;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// The External Secrets Operator's metrics under its names (eso.md 8): sync calls and errors, the Ready condition
/// gauges and the last reconcile duration in nanoseconds, for ExternalSecrets and both store kinds. Labels are object
/// names, namespaces and condition states, never values.
/// </summary>
internal sealed class ExternalSecretMetrics(MetricsRegistry registry)
{
    private const string Ready = "Ready";
    private readonly CounterFamily _syncCalls = registry.Counter("externalsecret_sync_calls_total", "Total number of ExternalSecret reconcile calls.", "name", "namespace");
    private readonly CounterFamily _syncErrors = registry.Counter("externalsecret_sync_calls_error", "Total number of failed ExternalSecret syncs.", "name", "namespace");
    private readonly LabelledGaugeFamily _esCondition = registry.LabelledGauge("externalsecret_status_condition", "The status condition of a specific ExternalSecret.", "name", "namespace", "condition", "status");
    private readonly LabelledGaugeFamily _esDuration = registry.LabelledGauge("externalsecret_reconcile_duration", "The duration time to reconcile the ExternalSecret, nanoseconds.", "name", "namespace");
    private readonly Dictionary<string, (LabelledGaugeFamily Condition, LabelledGaugeFamily Duration)> _stores = new(StringComparer.Ordinal)
    {
        ["SecretStore"] = (
            registry.LabelledGauge("secretstore_status_condition", "The status condition of a specific SecretStore.", "name", "namespace", "condition", "status"),
            registry.LabelledGauge("secretstore_reconcile_duration", "The duration time to reconcile the SecretStore, nanoseconds.", "name", "namespace")),
        ["ClusterSecretStore"] = (
            registry.LabelledGauge("clustersecretstore_status_condition", "The status condition of a specific ClusterSecretStore.", "name", "namespace", "condition", "status"),
            registry.LabelledGauge("clustersecretstore_reconcile_duration", "The duration time to reconcile the ClusterSecretStore, nanoseconds.", "name", "namespace")),
    };

    public void SyncCall(string @namespace, string name) => _syncCalls.Increment(name, @namespace);

    public void SyncError(string @namespace, string name) => _syncErrors.Increment(name, @namespace);

    public void ExternalSecretReconciled(string @namespace, string name, TimeSpan elapsed) =>
        _esDuration.Set(elapsed.Ticks * 100.0, name, @namespace);

    /// <summary>1 for the current Ready status, 0 for the opposite one; clears the <c>Deleted</c> marker.</summary>
    public void ExternalSecretReady(string @namespace, string name, bool ready)
    {
        _esCondition.Set(ready ? 1 : 0, name, @namespace, Ready, "True");
        _esCondition.Set(ready ? 0 : 1, name, @namespace, Ready, "False");
        _esCondition.Remove(name, @namespace, "Deleted", "False");
    }

    /// <summary>The ExternalSecret is gone: its Ready series go and a <c>Deleted</c> series says so.</summary>
    public void ExternalSecretDeleted(string @namespace, string name)
    {
        _esCondition.Remove(name, @namespace, Ready, "True");
        _esCondition.Remove(name, @namespace, Ready, "False");
        _esCondition.Set(1, name, @namespace, "Deleted", "False");
        _esDuration.Remove(name, @namespace);
    }

    public void StoreReady(string kind, string? @namespace, string name, bool ready)
    {
        var (condition, _) = _stores[kind];
        condition.Set(ready ? 1 : 0, name, @namespace ?? string.Empty, Ready, "True");
        condition.Set(ready ? 0 : 1, name, @namespace ?? string.Empty, Ready, "False");
    }

    public void StoreDeleted(string kind, string? @namespace, string name)
    {
        var (condition, duration) = _stores[kind];
        condition.Remove(name, @namespace ?? string.Empty, Ready, "True");
        condition.Remove(name, @namespace ?? string.Empty, Ready, "False");
        duration.Remove(name, @namespace ?? string.Empty);
    }

    public void StoreReconciled(string kind, string? @namespace, string name, TimeSpan elapsed) =>
        _stores[kind].Duration.Set(elapsed.Ticks * 100.0, name, @namespace ?? string.Empty);
}
