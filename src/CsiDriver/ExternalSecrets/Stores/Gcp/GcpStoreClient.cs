using CsiDriver.Providers.Gcp;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Gcp;

/// <summary>
/// A gcpsm store for one ExternalSecret namespace: version reads (<c>latest</c> by default; global or regional),
/// <c>property</c>, <c>dataFrom.find</c> (ListSecrets by name regexp and labels, then each latest version), and PushSecret
/// writes that label what they create <c>managed-by: external-secrets</c> and add a version only when the value changed.
/// </summary>
internal sealed class GcpStoreClient(StoreContext store, GcpStoreConfig config, GcpCredential principal, SecretManagerClient client) : IStoreClient, IStoreWriter
{
    private const int MaxListPages = 400;

    public string Identity { get; } = $"gcpsm {config.Parent} as {principal}";

    public async Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        if (remoteRef.FetchMetadata)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: metadataPolicy Fetch is not supported for gcpsm in this mode yet");
        }

        var secretId = SecretId(remoteRef.Key);
        var value = await AccessAsync(secretId, remoteRef.Version, cancellationToken).ConfigureAwait(false)
            ?? throw new SecretStoreException(FailureKind.NotFound, $"{store}: {Describe(secretId, remoteRef.Version)} not found");
        return remoteRef.Property is { Length: > 0 } property ? StoreValues.Property(store, value, property, Describe(secretId)) : value;
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken) =>
        StoreValues.Split(store, await GetSecretAsync(remoteRef, cancellationToken).ConfigureAwait(false), Describe(SecretId(remoteRef.Key)));

    public async Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken)
    {
        var filter = FindMatcher.Create(query, store.ToString());
        var listed = await CallAsync("ListSecrets", (t, ct) => client.ListSecretsAsync(config.Parent, config.Location, t, MaxListPages, ct), cancellationToken).ConfigureAwait(false);
        var names = listed
            .Select(s => (Id: s.Name?[(s.Name.LastIndexOf('/') + 1)..], s.Labels))
            .Where(s => s.Id is { Length: > 0 } && (query.Path is not { Length: > 0 } p || s.Id.StartsWith(p, StringComparison.Ordinal)) && filter.Matches(s.Id, s.Labels))
            .Select(s => s.Id!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        filter.ThrowIfOver(names.Count);

        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            // A secret with no enabled version yet is left out, as the operator does.
            if (await AccessAsync(name, null, cancellationToken).ConfigureAwait(false) is { } value)
            {
                found[name] = value;
            }
        }

        return found;
    }

    public async Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken)
    {
        var current = await AccessAsync(SecretId(target.RemoteKey), null, cancellationToken).ConfigureAwait(false);
        if (current is null || target.Property is null)
        {
            return current is not null;
        }

        try
        {
            _ = StoreValues.Property(store, current, target.Property, target.RemoteKey);
            return true;
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return false;
        }
    }

    public async Task<bool> PushAsync(PushRef target, byte[] value, CancellationToken cancellationToken)
    {
        var secretId = SecretId(target.RemoteKey);
        var secret = await DescribeAsync(secretId, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            await CallAsync($"create {Describe(secretId)}", (t, ct) => client.CreateSecretAsync(config.Parent, secretId, config.Location, new() { [ManagedMark.Key] = ManagedMark.Value }, t, ct), cancellationToken).ConfigureAwait(false);
        }
        else if (secret.Labels?.GetValueOrDefault(ManagedMark.Key) != ManagedMark.Value)
        {
            throw NotManaged(secretId);
        }

        var current = secret is null ? null : await AccessAsync(secretId, null, cancellationToken).ConfigureAwait(false);
        var next = StoreValues.Merge(current, target.Property, value);
        if (current is not null && current.AsSpan().SequenceEqual(next))
        {
            return false;
        }

        await CallAsync($"write {Describe(secretId)}", (t, ct) => client.AddVersionAsync($"{config.Parent}/secrets/{secretId}", config.Location, next, t, ct), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task DeleteAsync(PushRef target, CancellationToken cancellationToken)
    {
        var secretId = SecretId(target.RemoteKey);
        var secret = await DescribeAsync(secretId, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return;
        }

        if (secret.Labels?.GetValueOrDefault(ManagedMark.Key) != ManagedMark.Value)
        {
            throw NotManaged(secretId);
        }

        if (target.Property is { } property && await AccessAsync(secretId, null, cancellationToken).ConfigureAwait(false) is { } current &&
            StoreValues.Without(current, property) is { } rest)
        {
            if (!rest.AsSpan().SequenceEqual(current))
            {
                await CallAsync($"write {Describe(secretId)}", (t, ct) => client.AddVersionAsync($"{config.Parent}/secrets/{secretId}", config.Location, rest, t, ct), cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        try
        {
            await CallAsync($"delete {Describe(secretId)}", (t, ct) => client.DeleteSecretAsync($"{config.Parent}/secrets/{secretId}", config.Location, t, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            // Gone meanwhile: what the delete wanted.
        }
    }

    public override string ToString() => Identity;

    /// <summary>The secret id: <c>remoteRef.key</c> as written, or the last segment of a full <c>projects/.../secrets/{id}</c> name.</summary>
    private string SecretId(string key)
    {
        var id = key.StartsWith("projects/", StringComparison.Ordinal) && key.Contains("/secrets/", StringComparison.Ordinal)
            ? key[(key.LastIndexOf("/secrets/", StringComparison.Ordinal) + "/secrets/".Length)..]
            : key;
        return id.Length > 0 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? id
            : throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: \"{key}\" is not a Secret Manager secret id (letters, digits, - and _)");
    }

    /// <summary>The version's payload, or null when the secret or version does not exist.</summary>
    private async Task<byte[]?> AccessAsync(string secretId, string? version, CancellationToken cancellationToken)
    {
        var value = $"{config.Parent}/secrets/{secretId}/versions/{(version is { Length: > 0 } ? version : "latest")}";
        var resource = GcpResourceName.TryParse(value, out var error)
            ?? throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {Describe(secretId, version)}: {error}");
        try
        {
            var fetched = await CallAsync(Describe(secretId, version), (t, ct) => client.FetchAsync(resource, t, ct), cancellationToken).ConfigureAwait(false);
            return fetched.Payload;
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return null;
        }
    }

    private async Task<GcpSecret?> DescribeAsync(string secretId, CancellationToken cancellationToken)
    {
        try
        {
            return await CallAsync(Describe(secretId), (t, ct) => client.GetSecretAsync($"{config.Parent}/secrets/{secretId}", config.Location, t, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return null;
        }
    }

    private async Task<T> CallAsync<T>(string subject, Func<string, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        AccessToken token;
        try
        {
            token = await principal.Token(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GoogleApiException or SecretStoreException)
        {
            var kind = ex is GoogleApiException { Kind: var k } ? (k == FailureKind.InvalidConfiguration ? FailureKind.PermissionDenied : k) : ((SecretStoreException)ex).Kind;
            throw new SecretStoreException(kind, $"{store}: cannot get a Google access token for {principal}: {ex.Message}", ex);
        }

        try
        {
            return await call(token.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex)
        {
            throw new SecretStoreException(ex.Kind, $"{store}: {subject}: {ex.Message}", ex);
        }
    }

    private SecretStoreException NotManaged(string secretId) =>
        new(FailureKind.Conflict, $"{store}: {Describe(secretId)} exists and is not managed by external-secrets (no {ManagedMark.Key}={ManagedMark.Value} label); it is left as it is") { Reason = "NotManaged" };

    private static string Describe(string secretId, string? version = null) =>
        version is { Length: > 0 } ? $"secret \"{secretId}\" version {version}" : $"secret \"{secretId}\"";
}
