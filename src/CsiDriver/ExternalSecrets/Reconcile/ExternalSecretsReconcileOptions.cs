namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>How the reconcilers behave; the controller's flags fill it (defaults as the External Secrets Operator's).</summary>
internal sealed class ExternalSecretsReconcileOptions
{
    /// <summary><c>--controller-class</c>: stores naming another class are left alone.</summary>
    public string ControllerClass { get; init; } = "default";

    /// <summary><c>--enable-flood-gate</c>: an ExternalSecret reads only through a store whose Ready condition is True.</summary>
    public bool EnableFloodGate { get; init; } = true;

    /// <summary><c>--store-requeue-interval</c>: how often a store without <c>refreshInterval</c> is validated again.</summary>
    public TimeSpan StoreRequeueInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest a backend read is reused by other ExternalSecrets (further capped by a quarter of their refresh interval).</summary>
    public TimeSpan SharedReadWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The memory the shared reads may hold (values are counted by their bytes).</summary>
    public long SharedReadBudgetBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary><c>--find-max-keys</c>: the most provider secrets one <c>dataFrom[].find</c> may return; more is an error.</summary>
    public int FindMaxKeys { get; init; } = 1000;
}
