using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Kubernetes;

/// <summary>
/// The kubernetes store's write side, for PushSecret: <c>remoteKey</c> is a Secret in <c>remoteNamespace</c>, written
/// with the store's credentials (which need get, create, update and delete on secrets there). A <c>property</c> is one
/// data key of that Secret; without one the pushed value must be a JSON object, whose fields become the Secret's data.
/// Secrets it creates carry the label <c>app.kubernetes.io/managed-by: external-secrets</c>; a Secret without it is never
/// changed (<see cref="FailureKind.Conflict"/>) nor deleted. Nothing is written when the Secret already holds the data.
/// Each API call counts as a backend call of provider <c>kubernetes</c>.
/// </summary>
internal sealed partial class KubernetesStoreClient : IStoreWriter
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = ManagedMark.Value;

    public async Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken)
    {
        var secret = await GetOrNullAsync(target, cancellationToken).ConfigureAwait(false);
        return secret is not null && (target.Property is null || secret.Data?.ContainsKey(target.Property) == true);
    }

    public async Task<bool> PushAsync(PushRef target, byte[] value, CancellationToken cancellationToken)
    {
        var secret = await GetOrNullAsync(target, cancellationToken).ConfigureAwait(false);
        if (secret is not null && !IsManaged(secret))
        {
            throw new SecretStoreException(FailureKind.Conflict, $"{store}: Secret \"{target.RemoteKey}\" in namespace {config.RemoteNamespace} exists and is not managed by external-secrets (no label {ManagedByLabel}={ManagedByValue}); it is left untouched");
        }

        var current = secret?.Data ?? [];
        Dictionary<string, byte[]> next;
        if (target.Property is { } property)
        {
            if (current.TryGetValue(property, out var existing) && existing.AsSpan().SequenceEqual(value))
            {
                return false;
            }

            next = new Dictionary<string, byte[]>(current, StringComparer.Ordinal) { [property] = value };
        }
        else
        {
            next = Fields(target, value);
            if (secret is not null && next.Count == current.Count && next.All(p => current.TryGetValue(p.Key, out var v) && v.AsSpan().SequenceEqual(p.Value)))
            {
                return false;
            }
        }

        if (secret is null)
        {
            var created = new KubeSecret
            {
                Metadata = new KubeObjectMeta { Name = target.RemoteKey, Namespace = config.RemoteNamespace, Labels = new() { [ManagedByLabel] = ManagedByValue } },
                Type = "Opaque",
                Data = next,
            };
            await SendAsync(HttpMethod.Post, null, target, "create", JsonSerializer.SerializeToUtf8Bytes(created, KubernetesJsonContext.Default.KubeSecret), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            secret.Data = next;
            await SendAsync(HttpMethod.Put, target.RemoteKey, target, "update", JsonSerializer.SerializeToUtf8Bytes(secret, KubernetesJsonContext.Default.KubeSecret), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public async Task DeleteAsync(PushRef target, CancellationToken cancellationToken)
    {
        var secret = await GetOrNullAsync(target, cancellationToken).ConfigureAwait(false);
        if (secret is null || !IsManaged(secret))
        {
            // Gone already, or someone else's: nothing of ours to delete.
            return;
        }

        if (target.Property is { } property && secret.Data is { } data)
        {
            if (!data.Remove(property))
            {
                return;
            }

            if (data.Count > 0)
            {
                await SendAsync(HttpMethod.Put, target.RemoteKey, target, "update", JsonSerializer.SerializeToUtf8Bytes(secret, KubernetesJsonContext.Default.KubeSecret), cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        try
        {
            await SendAsync(HttpMethod.Delete, target.RemoteKey, target, "delete", null, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            // Deleted meanwhile.
        }
    }

    private static bool IsManaged(KubeSecret secret) => secret.Metadata?.Labels?.GetValueOrDefault(ManagedByLabel) == ManagedByValue;

    /// <summary>A whole-Secret push: the JSON object's fields (strings unquoted, anything else as its JSON text).</summary>
    private Dictionary<string, byte[]> Fields(PushRef target, byte[] value)
    {
        var map = StoreValues.TryParseObject(value);

        return map?.ToDictionary(
                p => p.Key,
                p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? Encoding.UTF8.GetBytes(s) : Encoding.UTF8.GetBytes(p.Value?.ToJsonString() ?? "null"),
                StringComparer.Ordinal)
            ?? throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: the value pushed to Secret \"{target.RemoteKey}\" is not a JSON object; push the whole Secret (empty secretKey) or set remoteRef.property");
    }

    private async Task<KubeSecret?> GetOrNullAsync(PushRef target, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(new RemoteRef(target.RemoteKey), cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return null;
        }
    }

    private async Task SendAsync(HttpMethod method, string? name, PushRef target, string verb, byte[]? body, CancellationToken cancellationToken)
    {
        if (!KubernetesNames.IsValid(target.RemoteKey))
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: remoteKey \"{target.RemoteKey}\" is not a Secret name");
        }

        var path = $"/api/v1/namespaces/{config.RemoteNamespace}/secrets{(name is null ? string.Empty : "/" + name)}";
        var call = $"{verb} secrets {config.RemoteNamespace}/{target.RemoteKey}";
        metrics?.BackendCall("kubernetes", $"{verb}_secret");
        try
        {
            await transport.SendAsync(new KubernetesRequest(method, path, call, body), credentials, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            var what = $"Secret \"{target.RemoteKey}\" in namespace {config.RemoteNamespace}";
            var message = ex.Kind switch
            {
                KubernetesErrorKind.Forbidden => $"{principal} may not {verb} {what} ({KubernetesFailures.Cause(ex)}); grant it {verb} on secrets there",
                KubernetesErrorKind.Unauthorized => $"the API server at {transport.Server} rejected the credentials of {principal} writing {what}",
                _ => $"cannot {verb} {what} at {transport.Server}: {KubernetesFailures.Cause(ex)}",
            };
            throw new SecretStoreException(KubernetesFailures.KindFor(ex), $"{store}: {message}", ex);
        }
    }
}
