using CsiDriver.Observability;

namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>The runtime's own series, under controller-runtime's names: reconcile outcomes and leadership.</summary>
internal sealed class RuntimeMetrics(MetricsRegistry registry)
{
    private readonly CounterFamily _reconciles = registry.Counter(
        "controller_runtime_reconcile_total",
        "Reconciles per controller and result (success, error, requeue_after).",
        "controller",
        "result");

    public MetricsRegistry Registry => registry;

    public void Reconciled(string kind, string result) => _reconciles.Increment(kind.ToLowerInvariant(), result);
}
