using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Hosting;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// Reconciles a <c>ClusterExternalSecret</c> (eso.md section 6): keeps one ExternalSecret, controlled by the CES, in
/// every namespace its selectors or names pick; deletes the ones it made in namespaces no longer picked, or under an
/// old name; never takes over an ExternalSecret it does not control (that namespace is reported failed); and writes
/// <c>provisionedNamespaces</c>, <c>failedNamespaces</c>, <c>externalSecretName</c> and the Ready condition.
/// </summary>
internal sealed class ClusterExternalSecretReconciler(ExternalSecretsKubeApi api, ClusterExternalSecretMetrics metrics, TimeProvider time, ILogger<ClusterExternalSecretReconciler> logger) : IReconciler
{
    public const string Finalizer = "externalsecrets.external-secrets.io/clusterexternalsecret-cleanup";
    public const string ForceSyncAnnotation = "external-secrets.io/force-sync";
    public const string AlreadyExists = "external secret already exists in namespace";
    private static readonly TimeSpan DefaultRefreshTime = TimeSpan.FromHours(1);

    public string Kind => ControllerResources.ClusterExternalSecretKind;

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var raw = await api.GetAsync(EsoCollection.ClusterExternalSecrets, null, key.Name, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            metrics.Deleted(key.Name);
            return ReconcileResult.Done;
        }

        try
        {
            return await ReconcileAsync(raw, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            metrics.Reconciled(key.Name, time.GetElapsedTime(started));
        }
    }

    private async Task<ReconcileResult> ReconcileAsync(JsonObject raw, CancellationToken cancellationToken)
    {
        var ces = raw.Deserialize(ClusterExternalSecretJsonContext.Default.ClusterExternalSecret) ?? new ClusterExternalSecret();
        var name = ces.Metadata.Name ?? string.Empty;
        var uid = ces.Metadata.Uid ?? string.Empty;
        var provisioned = ces.Status?.ProvisionedNamespaces ?? [];
        var previousName = ces.Status?.ExternalSecretName is { Length: > 0 } p ? p : null;
        var finalizers = ces.Metadata.Finalizers ?? [];

        if (ces.Metadata.DeletionTimestamp is not null)
        {
            foreach (var ns in provisioned)
            {
                await DeleteIfOwnedAsync(ns, previousName ?? ExternalSecretName(ces), uid, name, cancellationToken).ConfigureAwait(false);
            }

            if (finalizers.Contains(Finalizer))
            {
                await api.UpdateAsync(EsoCollection.ClusterExternalSecrets, Finalizers.Set(raw, Finalizer, present: false), cancellationToken).ConfigureAwait(false);
            }

            metrics.Deleted(name);
            return ReconcileResult.Done;
        }

        if (!finalizers.Contains(Finalizer))
        {
            raw = await api.UpdateAsync(EsoCollection.ClusterExternalSecrets, Finalizers.Set(raw, Finalizer, present: true), cancellationToken).ConfigureAwait(false);
        }

        var esName = ExternalSecretName(ces);
        if (!KubernetesNames.IsValid(esName))
        {
            return await WriteStatusAsync(ces, esName, [], [], "externalSecretName is not a valid name", cancellationToken).ConfigureAwait(false);
        }

        if (previousName is not null && previousName != esName)
        {
            foreach (var ns in provisioned)
            {
                await DeleteIfOwnedAsync(ns, previousName, uid, name, cancellationToken).ConfigureAwait(false);
            }
        }

        var namespaces = await api.ListNamespacesAsync(cancellationToken).ConfigureAwait(false);
        var selected = namespaces.Where(n => n.Metadata.Name is { Length: > 0 } && Selects(ces.Spec, n)).ToList();
        var selectedNames = selected.Select(n => n.Metadata.Name!).ToHashSet(StringComparer.Ordinal);
        foreach (var ns in provisioned.Where(ns => !selectedNames.Contains(ns)))
        {
            await DeleteIfOwnedAsync(ns, esName, uid, name, cancellationToken).ConfigureAwait(false);
        }

        var (done, failed, conflict) = await NamespaceFanOut.ApplyAsync(
            selected.Where(n => n.Metadata.DeletionTimestamp is null).Select(n => n.Metadata.Name!),
            ns => ApplyAsync(ces, ns, esName, cancellationToken)).ConfigureAwait(false);
        foreach (var failure in failed)
        {
            ClusterExternalSecretLog.NamespaceFailed(logger, name, failure.Namespace, failure.Reason ?? string.Empty);
        }

        var result = await WriteStatusAsync(ces, esName, done, failed, failed.Count > 0 ? "one or more namespaces failed" : null, cancellationToken).ConfigureAwait(false);
        return conflict ? ReconcileResult.Retry : result;
    }

    private static string ExternalSecretName(ClusterExternalSecret ces) =>
        ces.Spec.ExternalSecretName is { Length: > 0 } n ? n : ces.Metadata.Name ?? string.Empty;

    /// <summary>The deprecated <c>namespaceSelector</c> is ORed with the rest.</summary>
    private static bool Selects(ClusterExternalSecretSpec spec, NamespaceResource ns) =>
        NamespaceFanOut.Selects(ns, spec.Namespaces, [.. spec.NamespaceSelector is { } one ? [one] : Array.Empty<LabelSelector>(), .. spec.NamespaceSelectors ?? []], withNameLabel: false);

    /// <summary>Creates or updates the ExternalSecret in <paramref name="ns"/>; a reason when it belongs to someone else.</summary>
    private async Task<string?> ApplyAsync(ClusterExternalSecret ces, string ns, string esName, CancellationToken cancellationToken)
    {
        var existing = await api.GetAsync(EsoCollection.ExternalSecrets, ns, esName, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var created = new JsonObject
            {
                ["apiVersion"] = "external-secrets.io/v1",
                ["kind"] = "ExternalSecret",
                ["metadata"] = new JsonObject { ["name"] = esName, ["namespace"] = ns },
            };
            Stamp(ces, created);
            await api.CreateAsync(EsoCollection.ExternalSecrets, created, cancellationToken).ConfigureAwait(false);
            ClusterExternalSecretLog.ExternalSecretWritten(logger, ces.Metadata.Name ?? string.Empty, ns, esName, "created");
            return null;
        }

        if (!IsControlledBy(existing, ces.Metadata.Uid))
        {
            return AlreadyExists;
        }

        var updated = existing.DeepClone().AsObject();
        Stamp(ces, updated);
        if (!JsonNode.DeepEquals(Desired(updated), Desired(existing)))
        {
            await api.UpdateAsync(EsoCollection.ExternalSecrets, updated, cancellationToken).ConfigureAwait(false);
            ClusterExternalSecretLog.ExternalSecretWritten(logger, ces.Metadata.Name ?? string.Empty, ns, esName, "updated");
        }

        return null;
    }

    /// <summary>The parts the CES decides: labels and annotations (replaced, as the operator does), owner and spec.</summary>
    private static void Stamp(ClusterExternalSecret ces, JsonObject es)
    {
        var metadata = es["metadata"]!.AsObject();
        var labels = new JsonObject();
        foreach (var (k, v) in ces.Spec.ExternalSecretMetadata?.Labels ?? [])
        {
            labels[k] = v;
        }

        var annotations = new JsonObject();
        foreach (var (k, v) in ces.Spec.ExternalSecretMetadata?.Annotations ?? [])
        {
            annotations[k] = v;
        }

        if (ces.Metadata.Annotations?.TryGetValue(ForceSyncAnnotation, out var forceSync) == true)
        {
            annotations[ForceSyncAnnotation] = forceSync;
        }

        Set(metadata, "labels", labels);
        Set(metadata, "annotations", annotations);
        metadata["ownerReferences"] = ControllerOwner.References("external-secrets.io/v1", "ClusterExternalSecret", ces.Metadata);
        es["spec"] = ces.Spec.ExternalSecretSpec?.DeepClone() ?? new JsonObject();
    }

    private static void Set(JsonObject metadata, string field, JsonObject values)
    {
        if (values.Count > 0)
        {
            metadata[field] = values;
        }
        else
        {
            metadata.Remove(field);
        }
    }

    private static JsonArray Desired(JsonObject es) =>
        [es["metadata"]?["labels"]?.DeepClone(), es["metadata"]?["annotations"]?.DeepClone(), es["metadata"]?["ownerReferences"]?.DeepClone(), es["spec"]?.DeepClone()];

    private static bool IsControlledBy(JsonObject es, string? uid) =>
        uid is { Length: > 0 }
        && es["metadata"]?["ownerReferences"] is JsonArray owners
        && owners.Any(o => o?["uid"]?.GetValue<string>() == uid && o?["controller"] is JsonValue c && c.TryGetValue<bool>(out var controller) && controller);

    private async Task DeleteIfOwnedAsync(string ns, string esName, string uid, string cesName, CancellationToken cancellationToken)
    {
        if (!KubernetesNames.IsValid(ns) || !KubernetesNames.IsValid(esName))
        {
            return;
        }

        var existing = await api.GetAsync(EsoCollection.ExternalSecrets, ns, esName, cancellationToken).ConfigureAwait(false);
        if (existing is not null && IsControlledBy(existing, uid) && await api.DeleteAsync(EsoCollection.ExternalSecrets, ns, esName, cancellationToken).ConfigureAwait(false))
        {
            ClusterExternalSecretLog.ExternalSecretWritten(logger, cesName, ns, esName, "deleted");
        }
    }

    private async Task<ReconcileResult> WriteStatusAsync(ClusterExternalSecret ces, string esName, List<string> provisioned, List<NamespaceFailure> failed, string? failure, CancellationToken cancellationToken)
    {
        provisioned.Sort(StringComparer.Ordinal);
        failed.Sort((a, b) => string.CompareOrdinal(a.Namespace, b.Namespace));
        var status = new ClusterExternalSecretStatus
        {
            ExternalSecretName = esName,
            ProvisionedNamespaces = provisioned.Count > 0 ? provisioned : null,
            FailedNamespaces = failed.Count > 0 ? failed : null,
            Conditions = [failure is null
                ? new ClusterExternalSecretCondition { Type = "Ready", Status = "True" }
                : new ClusterExternalSecretCondition { Type = "Ready", Status = "False", Message = failure }],
        };
        var name = ces.Metadata.Name ?? string.Empty;
        var current = JsonSerializer.SerializeToNode(ces.Status ?? new ClusterExternalSecretStatus(), ClusterExternalSecretJsonContext.Default.ClusterExternalSecretStatus);
        var wanted = JsonSerializer.SerializeToNode(status, ClusterExternalSecretJsonContext.Default.ClusterExternalSecretStatus)!.AsObject();
        if (!JsonNode.DeepEquals(current, wanted))
        {
            // A merge patch: fields that are now empty must be sent as null to be removed.
            foreach (var field in (string[])["provisionedNamespaces", "failedNamespaces"])
            {
                if (!wanted.ContainsKey(field))
                {
                    wanted[field] = null;
                }
            }

            await api.PatchClusterExternalSecretStatusAsync(name, new JsonObject { ["status"] = wanted }, cancellationToken).ConfigureAwait(false);
        }

        if (failure is null)
        {
            metrics.Ready(name);
        }

        return ReconcileResult.After(RefreshTime(ces.Spec.RefreshTime));
    }

    private static TimeSpan RefreshTime(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return DefaultRefreshTime;
        }

        try
        {
            var parsed = GoDuration.Parse(text);
            return parsed > TimeSpan.Zero ? parsed : DefaultRefreshTime;
        }
        catch (FormatException)
        {
            return DefaultRefreshTime;
        }
    }
}
