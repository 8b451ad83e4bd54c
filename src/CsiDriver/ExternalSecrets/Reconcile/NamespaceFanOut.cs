using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>The namespaces a cluster-scoped kind stamped its object out in, and those that refused it or failed.</summary>
internal sealed record FanOutResult(List<string> Provisioned, List<NamespaceFailure> Failed, bool Conflict);

/// <summary>
/// What ClusterExternalSecret and ClusterPushSecret share in keeping one object per namespace: which namespaces their
/// <c>namespaces</c> and selectors pick, and the per-namespace apply that records a refusal or an API failure against
/// its namespace instead of giving up on the others.
/// </summary>
internal static class NamespaceFanOut
{
    private const string NameLabel = "kubernetes.io/metadata.name";

    /// <summary>
    /// ORs the names and the selectors (none of them selects nothing). With <paramref name="withNameLabel"/> a selector
    /// also sees the namespace's name as <c>kubernetes.io/metadata.name</c>, as ClusterPushSecret's selectors do even
    /// where the API server has not set that label.
    /// </summary>
    public static bool Selects(NamespaceResource ns, IEnumerable<string>? names, IEnumerable<LabelSelector> selectors, bool withNameLabel)
    {
        var name = ns.Metadata.Name ?? string.Empty;
        if (names?.Contains(name, StringComparer.Ordinal) == true)
        {
            return true;
        }

        IReadOnlyDictionary<string, string> labels = ns.Metadata.Labels ?? [];
        if (withNameLabel)
        {
            var named = new Dictionary<string, string>(labels, StringComparer.Ordinal);
            named.TryAdd(NameLabel, name);
            labels = named;
        }

        return selectors.Any(s => LabelSelectors.Matches(s, labels));
    }

    /// <summary>
    /// Runs <paramref name="apply"/> (which returns why a namespace refused, or null) in each namespace in turn; an API
    /// failure fails that namespace only, and a conflict among them is reported so the caller can retry.
    /// </summary>
    public static async Task<FanOutResult> ApplyAsync(IEnumerable<string> namespaces, Func<string, Task<string?>> apply)
    {
        var provisioned = new List<string>();
        var failed = new List<NamespaceFailure>();
        var conflict = false;
        foreach (var ns in namespaces)
        {
            try
            {
                if (await apply(ns).ConfigureAwait(false) is { } refused)
                {
                    failed.Add(new NamespaceFailure { Namespace = ns, Reason = refused });
                }
                else
                {
                    provisioned.Add(ns);
                }
            }
            catch (KubernetesApiException ex)
            {
                conflict |= ex.Kind == KubernetesErrorKind.Conflict;
                failed.Add(new NamespaceFailure { Namespace = ns, Reason = ex.Message });
            }
        }

        return new FanOutResult(provisioned, failed, conflict);
    }
}
