using CsiDriver.Observability;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// <c>clusterexternalsecret_status_condition</c> and <c>clusterexternalsecret_reconcile_duration</c> (eso.md section 8):
/// like the operator, the condition gauge moves only while Ready is True, and the namespace label is empty.
/// </summary>
internal sealed class ClusterExternalSecretMetrics(MetricsRegistry registry)
{
    private readonly LabelledGaugeFamily _condition = registry.LabelledGauge("clusterexternalsecret_status_condition", "The status condition of a specific ClusterExternalSecret.", "name", "namespace", "condition", "status");
    private readonly LabelledGaugeFamily _duration = registry.LabelledGauge("clusterexternalsecret_reconcile_duration", "The duration time to reconcile the ClusterExternalSecret, nanoseconds.", "name", "namespace");

    public void Ready(string name)
    {
        _condition.Set(1, name, string.Empty, "Ready", "True");
        _condition.Set(0, name, string.Empty, "Ready", "False");
    }

    public void Reconciled(string name, TimeSpan elapsed) => _duration.Set(elapsed.Ticks * 100.0, name, string.Empty);

    public void Deleted(string name)
    {
        _condition.Remove(name, string.Empty, "Ready", "True");
        _condition.Remove(name, string.Empty, "Ready", "False");
        _duration.Remove(name, string.Empty);
    }
}
