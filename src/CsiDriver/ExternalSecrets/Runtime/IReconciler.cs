namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>One object the controller reconciles: its namespace (null for a cluster-scoped kind) and name.</summary>
internal readonly record struct ObjectKey(string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}

/// <summary>What a reconcile asks of the work queue next.</summary>
/// <param name="RequeueAfter">Reconcile again after this long (jitter is the queue's), or null for no timed requeue.</param>
/// <param name="Failed">The reconcile failed and should be retried with the queue's capped exponential backoff.</param>
internal readonly record struct ReconcileResult(TimeSpan? RequeueAfter, bool Failed = false)
{
    public static ReconcileResult Done { get; } = new(null);

    public static ReconcileResult Retry { get; } = new(null, Failed: true);

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}

/// <summary>Brings one kind's objects in step with the world; called by the work queue, one call per key at a time.</summary>
internal interface IReconciler
{
    /// <summary>The kind this reconciler serves (<c>ExternalSecret</c>, <c>SecretStore</c>, <c>ClusterSecretStore</c>, ...).</summary>
    string Kind { get; }

    /// <summary>Reconciles <paramref name="key"/>. Exceptions count as failures and are retried with backoff.</summary>
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}
