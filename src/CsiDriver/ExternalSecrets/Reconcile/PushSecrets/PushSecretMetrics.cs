using CsiDriver.Observability;

namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>
/// The External Secrets Operator's PushSecret metrics under its names (eso.md 8): <c>pushsecret_status_condition</c>
/// (1 for the current Ready status, 0 for the opposite) and <c>pushsecret_reconcile_duration</c> (nanoseconds).
/// Labels are object names, namespaces and condition states, never values.
/// </summary>
internal sealed class PushSecretMetrics(MetricsRegistry registry)
{
    private const string Ready = "Ready";
    private readonly LabelledGaugeFamily _condition = registry.LabelledGauge("pushsecret_status_condition", "The status condition of a specific PushSecret.", "name", "namespace", "condition", "status");
    private readonly LabelledGaugeFamily _duration = registry.LabelledGauge("pushsecret_reconcile_duration", "The duration time to reconcile the PushSecret, nanoseconds.", "name", "namespace");

    public void Reconciled(string @namespace, string name, TimeSpan elapsed) => _duration.Set(elapsed.Ticks * 100.0, name, @namespace);

    public void ReadyStatus(string @namespace, string name, bool ready)
    {
        _condition.Set(ready ? 1 : 0, name, @namespace, Ready, "True");
        _condition.Set(ready ? 0 : 1, name, @namespace, Ready, "False");
    }

    /// <summary>The PushSecret is gone: its series go too.</summary>
    public void Deleted(string @namespace, string name)
    {
        _condition.Remove(name, @namespace, Ready, "True");
        _condition.Remove(name, @namespace, Ready, "False");
        _duration.Remove(name, @namespace);
    }
}
