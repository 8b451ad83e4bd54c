using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Hosting;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>
/// Keeps one PushSecret per selected namespace for a ClusterPushSecret, as the External Secrets Operator does: the
/// namespaces named in <c>namespaces</c> or matching any of <c>namespaceSelectors</c> get a PushSecret named
/// <c>pushSecretName</c> (default: the ClusterPushSecret's name) with its spec, labels, annotations and a controller
/// owner reference (so Kubernetes deletes them with the ClusterPushSecret); namespaces that are no longer selected lose
/// theirs; a PushSecret of that name owned by something else is left alone and its namespace reported as failed.
/// Namespaces are listed at each reconcile, every <c>refreshTime</c> (default 1h) and on every change of the
/// ClusterPushSecret.
/// </summary>
internal sealed class ClusterPushSecretReconciler(ExternalSecretsKubeApi api, TimeProvider time, ILogger<ClusterPushSecretReconciler> logger) : IReconciler
{
    public const string KindName = "ClusterPushSecret";
    public const string ApiVersion = "external-secrets.io/v1alpha1";
    private static readonly TimeSpan DefaultRefresh = TimeSpan.FromHours(1);

    public string Kind => KindName;

    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) =>
        ReconcileGuard.RunAsync(
            async () =>
            {
                var raw = await api.GetAsync(EsoCollection.ClusterPushSecrets, null, key.Name, cancellationToken).ConfigureAwait(false);
                if (raw is null)
                {
                    return ReconcileResult.Done;
                }

                var cps = raw.Deserialize(ClusterPushSecretJsonContext.Default.ClusterPushSecret) ?? new ClusterPushSecret();
                return cps.Metadata.DeletionTimestamp is not null ? ReconcileResult.Done : await ProvisionAsync(raw, cps, cancellationToken).ConfigureAwait(false);
            },
            () => ExternalSecretsLog.Conflict(logger, KindName, string.Empty, key.Name),
            reason => ExternalSecretsLog.SyncFailed(logger, KindName, string.Empty, key.Name, reason));

    private async Task<ReconcileResult> ProvisionAsync(JsonObject raw, ClusterPushSecret cps, CancellationToken cancellationToken)
    {
        var name = cps.Metadata.Name ?? string.Empty;
        TimeSpan refresh;
        try
        {
            refresh = string.IsNullOrEmpty(cps.Spec.RefreshTime) ? DefaultRefresh : GoDuration.Parse(cps.Spec.RefreshTime);
        }
        catch (FormatException)
        {
            return await WriteStatusAsync(raw, cps, new ClusterPushSecretStatus
            {
                PushSecretName = cps.Status?.PushSecretName,
                ProvisionedNamespaces = cps.Status?.ProvisionedNamespaces,
                Conditions = ReadyCondition.Set(cps.Status?.Conditions, ready: false, "Errored", $"spec.refreshTime \"{cps.Spec.RefreshTime}\" is not a duration", time.GetUtcNow()),
            }, ReconcileResult.Done, cancellationToken).ConfigureAwait(false);
        }

        var psName = string.IsNullOrEmpty(cps.Spec.PushSecretName) ? name : cps.Spec.PushSecretName;
        var previous = cps.Status?.ProvisionedNamespaces ?? [];
        if (cps.Status?.PushSecretName is { Length: > 0 } oldName && oldName != psName)
        {
            // Renamed: the PushSecrets under the old name go.
            foreach (var ns in previous)
            {
                await DeleteOwnedAsync(ns, oldName, cps, cancellationToken).ConfigureAwait(false);
            }

            previous = [];
        }

        var selected = (await api.ListNamespacesAsync(cancellationToken).ConfigureAwait(false))
            .Where(n => n.Metadata.DeletionTimestamp is null && Selected(cps, n))
            .Select(n => n.Metadata.Name ?? string.Empty)
            .ToHashSet(StringComparer.Ordinal);
        var failed = new List<NamespaceFailure>();
        foreach (var ns in previous.Where(ns => !selected.Contains(ns)))
        {
            try
            {
                await DeleteOwnedAsync(ns, psName, cps, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex)
            {
                failed.Add(new NamespaceFailure { Namespace = ns, Reason = ex.Message });
            }
        }

        var applied = await NamespaceFanOut.ApplyAsync(selected.Order(StringComparer.Ordinal), ns => ApplyAsync(ns, psName, cps, cancellationToken)).ConfigureAwait(false);
        failed.AddRange(applied.Failed);
        failed.Sort((a, b) => string.CompareOrdinal(a.Namespace, b.Namespace));
        var ready = failed.Count == 0;
        var status = new ClusterPushSecretStatus
        {
            PushSecretName = psName,
            ProvisionedNamespaces = applied.Provisioned.Count == 0 ? null : applied.Provisioned,
            FailedNamespaces = ready ? null : failed,
            Conditions = ReadyCondition.Set(
                cps.Status?.Conditions,
                ready,
                ready ? "Synced" : "Errored",
                ready ? $"PushSecret {psName} provisioned in {applied.Provisioned.Count} namespaces" : $"PushSecret {psName} failed in namespaces: {string.Join(", ", failed.Select(f => f.Namespace))}",
                time.GetUtcNow()),
        };
        return await WriteStatusAsync(raw, cps, status, ReconcileResult.After(refresh), cancellationToken).ConfigureAwait(false);
    }

    private static bool Selected(ClusterPushSecret cps, NamespaceResource ns) =>
        NamespaceFanOut.Selects(ns, cps.Spec.Namespaces, cps.Spec.NamespaceSelectors ?? [], withNameLabel: true);

    private static bool OwnedBy(PushSecretDocument ps, ClusterPushSecret cps) =>
        ps.Typed.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Kind == KindName && o.Name == cps.Metadata.Name) == true;

    /// <summary>Creates or updates the PushSecret; returns why it was refused, or null.</summary>
    private async Task<string?> ApplyAsync(string ns, string psName, ClusterPushSecret cps, CancellationToken cancellationToken)
    {
        var existing = await api.GetAsync(EsoCollection.PushSecrets, ns, psName, cancellationToken).ConfigureAwait(false) is { } raw ? PushSecretDocument.From(raw) : null;
        if (existing is not null && !OwnedBy(existing, cps))
        {
            return "push secret already exists in namespace";
        }

        var desired = Desired(ns, psName, cps);
        if (existing is null)
        {
            await api.CreateAsync(EsoCollection.PushSecrets, desired, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var current = existing.Raw;
        var metadata = current["metadata"]!.AsObject();
        if (JsonNode.DeepEquals(current["spec"], desired["spec"])
            && JsonNode.DeepEquals(metadata["labels"], desired["metadata"]!["labels"])
            && JsonNode.DeepEquals(metadata["annotations"], desired["metadata"]!["annotations"]))
        {
            return null;
        }

        var updated = (JsonObject)current.DeepClone();
        updated["spec"] = desired["spec"]!.DeepClone();
        updated["metadata"]!["labels"] = desired["metadata"]!["labels"]?.DeepClone();
        updated["metadata"]!["annotations"] = desired["metadata"]!["annotations"]?.DeepClone();
        await api.UpdateAsync(EsoCollection.PushSecrets, updated, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task DeleteOwnedAsync(string ns, string psName, ClusterPushSecret cps, CancellationToken cancellationToken)
    {
        if (await api.GetAsync(EsoCollection.PushSecrets, ns, psName, cancellationToken).ConfigureAwait(false) is { } existing && OwnedBy(PushSecretDocument.From(existing), cps))
        {
            await api.DeleteAsync(EsoCollection.PushSecrets, ns, psName, cancellationToken).ConfigureAwait(false);
        }
    }

    private static JsonObject Desired(string ns, string psName, ClusterPushSecret cps)
    {
        var metadata = new JsonObject
        {
            ["name"] = psName,
            ["namespace"] = ns,
            ["ownerReferences"] = ControllerOwner.References(ApiVersion, KindName, cps.Metadata),
        };
        if (cps.Spec.PushSecretMetadata?.Labels is { Count: > 0 } labels)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        if (cps.Spec.PushSecretMetadata?.Annotations is { Count: > 0 } annotations)
        {
            metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        return new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = PushSecretReconciler.KindName,
            ["metadata"] = metadata,
            ["spec"] = cps.Spec.PushSecretSpec?.DeepClone() ?? new JsonObject(),
        };
    }

    private async Task<ReconcileResult> WriteStatusAsync(JsonObject raw, ClusterPushSecret cps, ClusterPushSecretStatus status, ReconcileResult next, CancellationToken cancellationToken)
    {
        var current = cps.Status is null ? "{}" : JsonSerializer.Serialize(cps.Status, ClusterPushSecretJsonContext.Default.ClusterPushSecretStatus);
        if (current == JsonSerializer.Serialize(status, ClusterPushSecretJsonContext.Default.ClusterPushSecretStatus))
        {
            return next;
        }

        var updated = (JsonObject)raw.DeepClone();
        updated["status"] = JsonSerializer.SerializeToNode(status, ClusterPushSecretJsonContext.Default.ClusterPushSecretStatus);
        await api.UpdateStatusAsync(EsoCollection.ClusterPushSecrets, updated, cancellationToken).ConfigureAwait(false);
        return next;
    }
}
