using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// Writes an ExternalSecret's target Secret (eso.md 3.3, 3.6, 3.7): renders it, sets the managed and created-by labels,
/// the data-hash annotation and the ownerReference per creationPolicy, keeps an immutable target's data, deletes the
/// Secrets an Owner rename left behind, and sends a Create or an Update (with the field manager) only when something
/// changed. Failures are <see cref="SyncException"/>s with safe messages.
/// </summary>
internal sealed class TargetSecretWriter(ExternalSecretsKubeApi api, SecretRenderer renderer, ExternalSecretsEventRecorder events, ILogger<TargetSecretWriter> logger)
{
    /// <summary>
    /// Creates or updates <paramref name="es"/>'s target Secret from the fetched <paramref name="data"/> per
    /// <paramref name="creation"/>; returns whether it wrote. <paramref name="specChanged"/>: the ExternalSecret changed
    /// since its last sync, so its target may have been renamed and Secrets it created under an old name are looked for.
    /// </summary>
    public async Task<bool> WriteAsync(ExternalSecret es, string creation, ManagedSecret? existing, Dictionary<string, byte[]> data, bool specChanged, CancellationToken cancellationToken)
    {
        var ns = es.Metadata.Namespace ?? string.Empty;
        var name = es.Metadata.Name ?? string.Empty;
        var target = ExternalSecretReconciler.TargetName(es);
        var owner = creation == "Owner";
        if (owner && specChanged)
        {
            await DeleteOrphansAsync(es, target, cancellationToken).ConfigureAwait(false);
        }

        var merge = creation is "Merge" or "CreateOrMerge";
        var desired = Clone(existing) ?? new ManagedSecret { Metadata = new EsObjectMeta { Name = target, Namespace = ns } };
        var written = WrittenBefore(existing, EsoHashes.FieldManager(name));
        desired.Metadata.ManagedFields = null;
        var baseData = new Dictionary<string, byte[]>(merge && existing?.Data is { } kept ? kept : [], StringComparer.Ordinal);
        var labels = desired.Metadata.Labels ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var annotations = desired.Metadata.Annotations ?? new Dictionary<string, string>(StringComparer.Ordinal);

        // What this ExternalSecret wrote before and no longer wants goes: its field manager's labels, annotations and
        // (for Merge, where other keys stay) data keys, as the API server's managedFields record them.
        written.Labels.ForEach(k => labels.Remove(k));
        written.Annotations.ForEach(k => annotations.Remove(k));
        written.Data.ForEach(k => baseData.Remove(k));
        var rendered = await renderer.RenderAsync(es, data, baseData, cancellationToken).ConfigureAwait(false);
        foreach (var (k, v) in rendered.Labels)
        {
            labels[k] = v;
        }

        foreach (var (k, v) in rendered.Annotations)
        {
            annotations[k] = v;
        }

        labels[ExternalSecretReconciler.ManagedLabel] = "true";
        if (owner)
        {
            labels[ExternalSecretReconciler.CreatedByLabel] = EsoHashes.CreatedBy(ns, name);
        }
        else
        {
            labels.Remove(ExternalSecretReconciler.CreatedByLabel);
        }

        if (rendered.Finalizers.Count > 0)
        {
            desired.Metadata.Finalizers = [.. (desired.Metadata.Finalizers ?? []).Union(rendered.Finalizers, StringComparer.Ordinal)];
        }

        desired.Type = rendered.Type ?? desired.Type ?? "Opaque";
        var frozen = existing is not null && es.Spec.Target?.Immutable == true;
        desired.Data = frozen ? existing!.Data : rendered.Data;
        if (es.Spec.Target?.Immutable == true)
        {
            desired.Immutable = true;
        }

        annotations[ExternalSecretReconciler.DataHashAnnotation] = EsoHashes.DataHash(desired.Data);
        desired.Metadata.Labels = labels;
        desired.Metadata.Annotations = annotations;
        desired.Metadata.OwnerReferences = OwnerReferences(es, target, existing, owner);

        var immutableConflict = existing?.Immutable == true && !SameData(existing.Data, desired.Data);
        if (immutableConflict)
        {
            // As the External Secrets Operator: metadata is still brought in step, the data is not.
            desired.Data = existing!.Data;
            annotations[ExternalSecretReconciler.DataHashAnnotation] = EsoHashes.DataHash(desired.Data);
        }

        var fieldManager = EsoHashes.FieldManager(name);
        var wrote = true;
        if (existing is null)
        {
            try
            {
                await api.CreateSecretAsync(desired, fieldManager, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex) when (ex.IsAlreadyExists)
            {
                // Someone created it since we looked: the next pass decides whether it is ours.
                throw new SyncException($"Secret \"{target}\" was created concurrently") { ReadyMessage = "could not update secret" };
            }
            catch (KubernetesApiException ex) when (!ex.IsStaleUpdate)
            {
                throw new SyncException($"could not create Secret \"{target}\": {ex.Message}") { ReadyMessage = "could not update secret" };
            }

            ExternalSecretsLog.SecretWritten(logger, ns, name, target, "created");
            await EventAsync(es, "Normal", "Created", "secret created", cancellationToken).ConfigureAwait(false);
        }
        else if (!SameSecret(existing, desired))
        {
            try
            {
                await api.UpdateSecretAsync(desired, fieldManager, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex) when (!ex.IsStaleUpdate)
            {
                throw new SyncException($"could not update Secret \"{target}\": {ex.Message}") { ReadyMessage = "could not update secret" };
            }

            ExternalSecretsLog.SecretWritten(logger, ns, name, target, "updated");
            await EventAsync(es, "Normal", "Updated", "secret updated", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            wrote = false;
        }

        if (immutableConflict)
        {
            throw new SyncException($"Secret \"{target}\" is immutable and its data differs from the provider's") { ReadyMessage = "could not update secret, target is immutable", Retry = false };
        }

        return wrote;
    }

    /// <summary>The label, annotation and data keys <paramref name="fieldManager"/> owns on <paramref name="secret"/>.</summary>
    internal static (List<string> Labels, List<string> Annotations, List<string> Data) WrittenBefore(ManagedSecret? secret, string fieldManager)
    {
        var result = (Labels: new List<string>(), Annotations: new List<string>(), Data: new List<string>());
        foreach (var entry in secret?.Metadata.ManagedFields ?? [])
        {
            if (entry.Manager != fieldManager || entry.FieldsV1 is not { } fields)
            {
                continue;
            }

            result.Labels.AddRange(Keys(fields["f:metadata"]?["f:labels"]));
            result.Annotations.AddRange(Keys(fields["f:metadata"]?["f:annotations"]));
            result.Data.AddRange(Keys(fields["f:data"]));
        }

        return result;

        static IEnumerable<string> Keys(System.Text.Json.Nodes.JsonNode? node) =>
            node is System.Text.Json.Nodes.JsonObject obj ? obj.Select(p => p.Key).Where(k => k.StartsWith("f:", StringComparison.Ordinal)).Select(k => k[2..]) : [];
    }

    private static List<OwnerReference>? OwnerReferences(ExternalSecret es, string target, ManagedSecret? existing, bool owner)
    {
        var name = es.Metadata.Name ?? string.Empty;
        var refs = new List<OwnerReference>(existing?.Metadata.OwnerReferences ?? []);
        var uid = es.Metadata.Uid ?? string.Empty;
        if (!owner)
        {
            refs.RemoveAll(r => r.Uid == uid);
            return refs.Count == 0 ? null : refs;
        }

        if (refs.FirstOrDefault(r => r.Controller == true && r.Uid != uid) is { } other)
        {
            throw other.Kind == ExternalSecretReconciler.KindName && other.ApiVersion.StartsWith("external-secrets.io/", StringComparison.Ordinal)
                ? new SyncException($"Secret \"{target}\" is controlled by ExternalSecret \"{other.Name}\"") { ReadyMessage = "target is owned by another ExternalSecret", Retry = false }
                : new SyncException($"Secret \"{target}\" is controlled by {other.Kind} \"{other.Name}\"") { ReadyMessage = "failed to take ownership of target secret", Retry = false };
        }

        refs.RemoveAll(r => r.Uid == uid);
        refs.Add(new OwnerReference { ApiVersion = ExternalSecretReconciler.ApiVersion, Kind = ExternalSecretReconciler.KindName, Name = name, Uid = uid, Controller = true, BlockOwnerDeletion = true });
        return refs;
    }

    // A rename under Owner leaves the old Secret behind: it carries our created-by label and another name.
    private async Task DeleteOrphansAsync(ExternalSecret es, string target, CancellationToken cancellationToken)
    {
        var ns = es.Metadata.Namespace ?? string.Empty;
        var name = es.Metadata.Name ?? string.Empty;
        var selector = $"{ExternalSecretReconciler.CreatedByLabel}={EsoHashes.CreatedBy(ns, name)}";
        IReadOnlyList<ManagedSecret> owned;
        try
        {
            owned = await api.ListSecretsAsync(ns, selector, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            throw new SyncException($"could not list Secrets created by this ExternalSecret: {ex.Message}") { ReadyMessage = "could not delete orphaned secrets" };
        }

        foreach (var secret in owned.Where(s => s.Metadata.Name != target))
        {
            if (await api.DeleteSecretAsync(ns, secret.Metadata.Name ?? string.Empty, cancellationToken).ConfigureAwait(false))
            {
                ExternalSecretsLog.SecretWritten(logger, ns, name, secret.Metadata.Name ?? string.Empty, "deleted (orphaned)");
                await EventAsync(es, "Normal", "Deleted", "secret deleted because it was orphaned", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static ManagedSecret? Clone(ManagedSecret? secret) =>
        secret is null ? null : JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(secret, EsoJsonContext.Default.ManagedSecret), EsoJsonContext.Default.ManagedSecret);

    private static bool SameSecret(ManagedSecret a, ManagedSecret b) =>
        JsonSerializer.Serialize(Normalize(a), EsoJsonContext.Default.ManagedSecret) == JsonSerializer.Serialize(Normalize(b), EsoJsonContext.Default.ManagedSecret);

    // Compare what we write, independent of map order and of fields the server owns.
    private static ManagedSecret Normalize(ManagedSecret secret) => new()
    {
        Metadata = new EsObjectMeta
        {
            Labels = secret.Metadata.Labels is { Count: > 0 } l ? new SortedDictionary<string, string>(l, StringComparer.Ordinal).ToDictionary() : null,
            Annotations = secret.Metadata.Annotations is { Count: > 0 } a ? new SortedDictionary<string, string>(a, StringComparer.Ordinal).ToDictionary() : null,
            Finalizers = secret.Metadata.Finalizers is { Count: > 0 } f ? f : null,
            OwnerReferences = secret.Metadata.OwnerReferences is { Count: > 0 } o ? o : null,
        },
        Type = secret.Type ?? "Opaque",
        Immutable = secret.Immutable == true ? true : null,
        Data = secret.Data is { Count: > 0 } d ? new SortedDictionary<string, byte[]>(d, StringComparer.Ordinal).ToDictionary() : null,
    };

    private static bool SameData(Dictionary<string, byte[]>? a, Dictionary<string, byte[]>? b)
    {
        a ??= [];
        b ??= [];
        return a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v.AsSpan().SequenceEqual(p.Value));
    }

    private Task EventAsync(ExternalSecret es, string type, string reason, string message, CancellationToken cancellationToken) =>
        events.RecordAsync(ExternalSecretReconciler.Subject(es), ExternalSecretReconciler.Component, type, reason, message, cancellationToken);
}
