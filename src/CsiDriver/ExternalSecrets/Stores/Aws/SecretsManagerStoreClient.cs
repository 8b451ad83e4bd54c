using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>
/// An aws store with <c>service: SecretsManager</c>: reads (<c>remoteRef.version</c> <c>uuid/&lt;id&gt;</c> or a staging label,
/// <c>property</c>, <c>metadataPolicy: Fetch</c> for the tags), <c>dataFrom.find</c> (ListSecrets, then values in
/// BatchGetSecretValue pages), and PushSecret writes that tag what they create <c>managed-by: external-secrets</c>.
/// </summary>
internal sealed class SecretsManagerStoreClient(AwsStoreAccess access, SecretsManagerClient client) : IStoreClient, IStoreWriter
{
    private const string VersionIdPrefix = "uuid/";
    private const int MaxListPages = 1000;

    public string Identity => access.Identity;

    public async Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        var name = access.Config.RemoteName(remoteRef.Key);
        var value = remoteRef.FetchMetadata ? await TagsAsync(name, cancellationToken).ConfigureAwait(false) : await ValueAsync(name, remoteRef.Version, cancellationToken).ConfigureAwait(false);
        return remoteRef.Property is { Length: > 0 } property ? access.Property(value, property, Describe(name)) : value;
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken) =>
        access.Split(await GetSecretAsync(remoteRef, cancellationToken).ConfigureAwait(false), Describe(access.Config.RemoteName(remoteRef.Key)));

    public async Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken)
    {
        var filter = FindMatcher.Create(query, access.Store.ToString());
        List<AwsListFilter>? filters = null;
        if (query.Path is { Length: > 0 } path)
        {
            filters = [new AwsListFilter { Key = "name", Values = [access.Config.RemoteName(path)] }];
        }

        var listed = await access.CallAsync("ListSecrets", (c, ct) => client.ListSecretsAsync(access.Endpoint, c, filters, MaxListPages, ct), cancellationToken).ConfigureAwait(false);
        var names = listed
            .Where(s => query.Path is not { Length: > 0 } p || s.Name!.StartsWith(access.Config.RemoteName(p), StringComparison.Ordinal))
            .Where(s => filter.Matches(s.Name!, s.Tags?.GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value ?? string.Empty)))
            .Select(s => s.Name!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        filter.ThrowIfOver(names.Count);

        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var chunk in names.Chunk(SecretsManagerClient.BatchLimit))
        {
            var (values, errors) = await access.CallAsync("BatchGetSecretValue", (c, ct) => client.BatchGetSecretValueAsync(access.Endpoint, c, chunk, ct), cancellationToken).ConfigureAwait(false);
            foreach (var entry in values)
            {
                if (entry.Name is { } name)
                {
                    found[name] = Bytes(entry);
                }
            }

            // A secret deleted between the listing and the read is simply not found; any other refusal fails the find.
            if (errors.FirstOrDefault(e => e.ErrorCode != "ResourceNotFoundException") is { } error)
            {
                throw new SecretStoreException(FailureKind.PermissionDenied, $"{access.Store}: dataFrom.find cannot read {Describe(error.SecretId ?? "a secret")}: {error.ErrorCode}") { Reason = error.ErrorCode };
            }
        }

        return found;
    }

    public async Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken)
    {
        var name = access.Config.RemoteName(target.RemoteKey);
        var current = await CurrentAsync(name, cancellationToken).ConfigureAwait(false);
        if (current is null || target.Property is null)
        {
            return current is not null;
        }

        try
        {
            _ = access.Property(current, target.Property, name);
            return true;
        }
        catch (SecretStoreException ex) when (ex.Kind == FailureKind.NotFound)
        {
            return false;
        }
    }

    public async Task<bool> PushAsync(PushRef target, byte[] value, CancellationToken cancellationToken)
    {
        var name = access.Config.RemoteName(target.RemoteKey);
        var description = await DescribeAsync(name, cancellationToken).ConfigureAwait(false);
        if (description is null)
        {
            var created = AwsStoreAccess.Merge(null, target.Property, value);
            await access.CallAsync($"create {Describe(name)}", (c, ct) => client.CreateSecretAsync(access.Endpoint, c, name, created, AwsStoreAccess.ManagedTags(), RequestToken(), ct), cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (!AwsStoreAccess.IsManaged(description.Tags))
        {
            throw access.NotManaged(Describe(name));
        }

        var current = await CurrentAsync(name, cancellationToken).ConfigureAwait(false);
        var next = AwsStoreAccess.Merge(current, target.Property, value);
        if (current is not null && current.AsSpan().SequenceEqual(next))
        {
            return false;
        }

        await access.CallAsync($"write {Describe(name)}", (c, ct) => client.PutSecretValueAsync(access.Endpoint, c, name, next, RequestToken(), ct), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task DeleteAsync(PushRef target, CancellationToken cancellationToken)
    {
        var name = access.Config.RemoteName(target.RemoteKey);
        var description = await DescribeAsync(name, cancellationToken).ConfigureAwait(false);
        if (description is null || description.DeletedDate is not null)
        {
            return;
        }

        if (!AwsStoreAccess.IsManaged(description.Tags))
        {
            throw access.NotManaged(Describe(name));
        }

        if (target.Property is { } property && await CurrentAsync(name, cancellationToken).ConfigureAwait(false) is { } current &&
            AwsStoreAccess.Without(current, property) is { } rest)
        {
            if (!rest.AsSpan().SequenceEqual(current))
            {
                await access.CallAsync($"write {Describe(name)}", (c, ct) => client.PutSecretValueAsync(access.Endpoint, c, name, rest, RequestToken(), ct), cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await access.CallAsync(
            $"delete {Describe(name)}",
            (c, ct) => client.DeleteSecretAsync(access.Endpoint, c, name, access.Config.RecoveryWindowInDays, access.Config.ForceDeleteWithoutRecovery, ct),
            cancellationToken).ConfigureAwait(false);
    }

    public override string ToString() => Identity;

    private async Task<byte[]> ValueAsync(string name, string? version, CancellationToken cancellationToken)
    {
        string? versionId = null;
        string? stage = null;
        if (version is { Length: > 0 })
        {
            if (version.StartsWith(VersionIdPrefix, StringComparison.Ordinal))
            {
                versionId = version[VersionIdPrefix.Length..];
            }
            else
            {
                stage = version;
            }
        }

        var entry = await access.CallAsync(Describe(name, version), (c, ct) => client.GetSecretValueAsync(access.Endpoint, c, name, versionId, stage, ct), cancellationToken).ConfigureAwait(false);
        return Bytes(entry);
    }

    /// <summary>The secret's tags as a JSON object, for <c>metadataPolicy: Fetch</c>.</summary>
    private async Task<byte[]> TagsAsync(string name, CancellationToken cancellationToken)
    {
        var description = await access.CallAsync(Describe(name), (c, ct) => client.DescribeSecretAsync(access.Endpoint, c, name, ct), cancellationToken).ConfigureAwait(false);
        var tags = new System.Text.Json.Nodes.JsonObject();
        foreach (var tag in description.Tags ?? [])
        {
            tags[tag.Key] = tag.Value ?? string.Empty;
        }

        return Encoding.UTF8.GetBytes(tags.ToJsonString());
    }

    private async Task<SecretDescription?> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await access.CallAsync(Describe(name), (c, ct) => client.DescribeSecretAsync(access.Endpoint, c, name, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (AwsStoreAccess.IsNotFound(ex))
        {
            return null;
        }
    }

    private async Task<byte[]?> CurrentAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await ValueAsync(name, null, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (AwsStoreAccess.IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>
    /// The idempotency token of one write: fresh per write (a value that returns to an earlier one is a new version), and
    /// the same across that write's retries, which resend the same body.
    /// </summary>
    private static string RequestToken() => Guid.NewGuid().ToString();

    private static byte[] Bytes(SecretValueEntry entry) =>
        entry.SecretString is { } text ? Encoding.UTF8.GetBytes(text) : entry.SecretBinary ?? [];

    private static string Describe(string name, string? version = null) =>
        version is { Length: > 0 } ? $"secret \"{name}\" version {version}" : $"secret \"{name}\"";
}
