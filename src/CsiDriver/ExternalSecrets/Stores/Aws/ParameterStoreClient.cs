using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>
/// An aws store with <c>service: ParameterStore</c>: reads (decrypted; <c>remoteRef.version</c> a version number or label,
/// <c>property</c>, <c>metadataPolicy: Fetch</c> for the tags), <c>dataFrom.find</c> (DescribeParameters with tag and path
/// filters, then GetParameters pages), and PushSecret writes of <c>String</c> parameters tagged
/// <c>managed-by: external-secrets</c>.
/// </summary>
internal sealed class ParameterStoreClient(AwsStoreAccess access, SsmClient client) : IStoreClient, IStoreWriter
{
    private const int MaxListPages = 1000;

    public string Identity => access.Identity;

    public async Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        var name = access.Config.RemoteName(remoteRef.Key);
        var value = remoteRef.FetchMetadata
            ? await TagsAsync(name, cancellationToken).ConfigureAwait(false)
            : await ValueAsync(name, remoteRef.Version, cancellationToken).ConfigureAwait(false)
                ?? throw new SecretStoreException(FailureKind.NotFound, $"{access.Store}: {Describe(name, remoteRef.Version)} not found");
        return remoteRef.Property is { Length: > 0 } property ? access.Property(value, property, Describe(name)) : value;
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken) =>
        access.Split(await GetSecretAsync(remoteRef, cancellationToken).ConfigureAwait(false), Describe(access.Config.RemoteName(remoteRef.Key)));

    public async Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken)
    {
        var filter = FindMatcher.Create(query, access.Store.ToString());
        var filters = new List<SsmParameterFilter>();
        if (query.Path is { Length: > 0 } path)
        {
            filters.Add(new SsmParameterFilter { Key = "Path", Option = "Recursive", Values = [access.Config.RemoteName(path)] });
        }

        foreach (var (key, value) in query.Tags ?? new Dictionary<string, string>())
        {
            filters.Add(new SsmParameterFilter { Key = "tag:" + key, Option = "Equals", Values = [value] });
        }

        var listed = await access.CallAsync(
            "DescribeParameters", (c, ct) => client.DescribeParametersAsync(access.Endpoint, c, filters.Count == 0 ? null : filters, MaxListPages, ct), cancellationToken).ConfigureAwait(false);

        // Tags were filtered by the service (DescribeParameters does not return them); the name is matched here.
        var names = listed.Where(n => filter.Matches(n, query.Tags)).Distinct(StringComparer.Ordinal).ToList();
        filter.ThrowIfOver(names.Count);

        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var chunk in names.Chunk(SsmClient.BatchLimit))
        {
            var response = await access.CallAsync("GetParameters", (c, ct) => client.GetParametersAsync(access.Endpoint, c, chunk, ct), cancellationToken).ConfigureAwait(false);
            foreach (var parameter in response.Parameters ?? [])
            {
                if (parameter.Name is { } name)
                {
                    found[name] = Encoding.UTF8.GetBytes(parameter.Value ?? string.Empty);
                }
            }
        }

        return found;
    }

    public async Task<bool> ExistsAsync(PushRef target, CancellationToken cancellationToken)
    {
        var current = await ValueAsync(access.Config.RemoteName(target.RemoteKey), null, cancellationToken).ConfigureAwait(false);
        if (current is null || target.Property is null)
        {
            return current is not null;
        }

        try
        {
            _ = access.Property(current, target.Property, target.RemoteKey);
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
        var current = await ValueAsync(name, null, cancellationToken).ConfigureAwait(false);
        var next = AwsStoreAccess.Merge(current, target.Property, value);
        if (current is null)
        {
            await PutAsync(name, next, AwsStoreAccess.ManagedTags(), cancellationToken).ConfigureAwait(false);
            return true;
        }

        await CheckManagedAsync(name, cancellationToken).ConfigureAwait(false);
        if (current.AsSpan().SequenceEqual(next))
        {
            return false;
        }

        await PutAsync(name, next, null, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task DeleteAsync(PushRef target, CancellationToken cancellationToken)
    {
        var name = access.Config.RemoteName(target.RemoteKey);
        var current = await ValueAsync(name, null, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return;
        }

        await CheckManagedAsync(name, cancellationToken).ConfigureAwait(false);
        if (target.Property is { } property && AwsStoreAccess.Without(current, property) is { } rest)
        {
            if (!rest.AsSpan().SequenceEqual(current))
            {
                await PutAsync(name, rest, null, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        try
        {
            await access.CallAsync($"delete {Describe(name)}", (c, ct) => client.DeleteParameterAsync(access.Endpoint, c, name, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex) when (AwsStoreAccess.IsNotFound(ex))
        {
            // Gone meanwhile: what the delete wanted.
        }
    }

    public override string ToString() => Identity;

    /// <summary>The decrypted value, or null when the parameter (or that version) does not exist.</summary>
    private async Task<byte[]?> ValueAsync(string name, string? version, CancellationToken cancellationToken)
    {
        var selector = version is { Length: > 0 } ? $"{name}:{version}" : name;
        var response = await access.CallAsync(Describe(name, version), (c, ct) => client.GetParametersAsync(access.Endpoint, c, [selector], ct), cancellationToken).ConfigureAwait(false);
        return response.Parameters?.FirstOrDefault() is { } parameter ? Encoding.UTF8.GetBytes(parameter.Value ?? string.Empty) : null;
    }

    private async Task<byte[]> TagsAsync(string name, CancellationToken cancellationToken)
    {
        var tags = await access.CallAsync(Describe(name), (c, ct) => client.ListTagsAsync(access.Endpoint, c, name, ct), cancellationToken).ConfigureAwait(false);
        var json = new System.Text.Json.Nodes.JsonObject();
        foreach (var tag in tags)
        {
            json[tag.Key] = tag.Value ?? string.Empty;
        }

        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    private async Task CheckManagedAsync(string name, CancellationToken cancellationToken)
    {
        var tags = await access.CallAsync(Describe(name), (c, ct) => client.ListTagsAsync(access.Endpoint, c, name, ct), cancellationToken).ConfigureAwait(false);
        if (!AwsStoreAccess.IsManaged(tags))
        {
            throw access.NotManaged(Describe(name));
        }
    }

    private Task PutAsync(string name, byte[] value, List<AwsTag>? tags, CancellationToken cancellationToken) =>
        access.CallAsync($"write {Describe(name)}", (c, ct) => client.PutParameterAsync(access.Endpoint, c, name, Encoding.UTF8.GetString(value), tags, ct), cancellationToken);

    private static string Describe(string name, string? version = null) =>
        version is { Length: > 0 } ? $"parameter \"{name}\" version {version}" : $"parameter \"{name}\"";
}
