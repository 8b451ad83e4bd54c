using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Reads the Secrets Manager objects of one volume in one region with as few calls as possible:
/// pinned versions already in memory need none; on rotation, DescribeSecret shows whether the
/// wanted stage moved (if not, the in-memory value is reused); the rest come from one
/// BatchGetSecretValue per 20 secrets, falling back for good to GetSecretValue per secret when
/// the identity's IAM policy does not allow the batch call.
/// </summary>
internal sealed class SecretsManagerFetcher
{
    private const string DefaultStage = "AWSCURRENT";

    private readonly SecretsManagerClient _client;
    private readonly AwsEndpoints _endpoints;
    private readonly VersionedValueCache _cache;
    private readonly AwsProviderOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _batchDenied = new(StringComparer.Ordinal);

    public SecretsManagerFetcher(SecretsManagerClient client, AwsEndpoints endpoints, VersionedValueCache cache, AwsProviderOptions options, ILogger logger)
    {
        _client = client;
        _endpoints = endpoints;
        _cache = cache;
        _options = options;
        _logger = logger;
    }

    /// <summary>True once BatchGetSecretValue was denied for this principal (exposed for tests and docs).</summary>
    public bool IsBatchDenied(string principal) => _batchDenied.ContainsKey(principal);

    public async Task<List<FetchedValue>> FetchAsync(
        IReadOnlyList<AwsObject> objects, string region, bool failover, AwsIdentity identity, IReadOnlyDictionary<string, string> currentVersions, string classDescription, CancellationToken cancellationToken)
    {
        var endpoint = _endpoints.SecretsManager(region);
        var values = new Dictionary<Request, (byte[] Value, string Version)>();
        var pending = new List<Request>();
        foreach (var item in objects)
        {
            var request = new Request(item.NameIn(failover), item.VersionIn(failover), item.LabelIn(failover));
            if (values.ContainsKey(request) || pending.Contains(request))
            {
                continue;
            }

            if (request.VersionId is { } pinned && _cache.TryGet(CacheKey(identity, region, request.SecretId), pinned, out var pinnedValue))
            {
                values[request] = (pinnedValue, pinned);
                continue;
            }

            if (request.VersionId is null && currentVersions.TryGetValue(item.FileName, out var previous) &&
                _cache.TryGet(CacheKey(identity, region, request.SecretId), previous, out var cached))
            {
                var described = await CallAsync(region, request.SecretId, ct => _client.DescribeSecretAsync(endpoint, identity.Credentials, request.SecretId, ct), cancellationToken).ConfigureAwait(false);
                var stage = request.VersionStage ?? DefaultStage;
                var currentId = described.VersionIdsToStages?.FirstOrDefault(v => v.Value?.Contains(stage, StringComparer.Ordinal) == true).Key;
                if (currentId == previous)
                {
                    AwsLog.SecretUnchanged(_logger, classDescription, request.SecretId, previous);
                    values[request] = (cached, previous);
                    continue;
                }
            }

            pending.Add(request);
        }

        var batchable = pending.Where(r => r.VersionId is null && r.VersionStage is null).Select(r => r.SecretId).Distinct(StringComparer.Ordinal).ToList();
        if (batchable.Count >= 2 && !_batchDenied.ContainsKey(identity.Principal))
        {
            await BatchAsync(endpoint, region, identity, batchable, values, cancellationToken).ConfigureAwait(false);
        }

        foreach (var request in pending)
        {
            if (values.ContainsKey(request))
            {
                continue;
            }

            var entry = await CallAsync(
                region,
                request.SecretId,
                ct => _client.GetSecretValueAsync(endpoint, identity.Credentials, request.SecretId, request.VersionId, request.VersionStage, ct),
                cancellationToken).ConfigureAwait(false);
            values[request] = Accept(region, identity, request.SecretId, entry);
        }

        return objects.Select(o =>
        {
            var (value, version) = values[new Request(o.NameIn(failover), o.VersionIn(failover), o.LabelIn(failover))];
            return new FetchedValue(o, value, version);
        }).ToList();
    }

    private async Task BatchAsync(AwsEndpoint endpoint, string region, AwsIdentity identity, List<string> secretIds, Dictionary<Request, (byte[] Value, string Version)> values, CancellationToken cancellationToken)
    {
        foreach (var chunk in secretIds.Chunk(SecretsManagerClient.BatchLimit))
        {
            List<SecretValueEntry> entries;
            List<BatchGetSecretError> errors;
            try
            {
                (entries, errors) = await _client.BatchGetSecretValueAsync(endpoint, identity.Credentials, chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (ex.ErrorCode is "AccessDeniedException" or "AccessDenied")
            {
                // IAM policies written for the upstream plugin grant GetSecretValue only.
                if (_batchDenied.TryAdd(identity.Principal, true))
                {
                    AwsLog.BatchDenied(_logger, identity.Principal);
                }

                return;
            }
            catch (AwsServiceException ex)
            {
                throw new AwsFetchException(region, $"Failed fetching secrets {string.Join(", ", chunk)}", ex);
            }

            foreach (var id in chunk)
            {
                if (errors.FirstOrDefault(e => e.SecretId == id) is { } error)
                {
                    var cause = new AwsServiceException("Secrets Manager: BatchGetSecretValue", HttpStatusCode.BadRequest, AwsHttp.Clean(error.ErrorCode ?? "Error", 100), AwsHttp.Clean(error.Message), null);
                    throw new AwsFetchException(region, $"Failed fetching secret {id}", cause);
                }

                // Ids the batch answered under another spelling (a partial ARN, say) are read singly afterwards.
                if (entries.FirstOrDefault(e => e.Name == id || e.ARN == id) is { } entry)
                {
                    values[new Request(id, null, null)] = Accept(region, identity, id, entry);
                }
            }
        }
    }

    private (byte[] Value, string Version) Accept(string region, AwsIdentity identity, string secretId, SecretValueEntry entry)
    {
        var value = entry.SecretString is { } text ? Encoding.UTF8.GetBytes(text) : entry.SecretBinary;
        if (value is null || string.IsNullOrEmpty(entry.VersionId))
        {
            var cause = new AwsServiceException("Secrets Manager: GetSecretValue", HttpStatusCode.OK, "InvalidResponse", "the response has no SecretString, SecretBinary or VersionId", null);
            throw new AwsFetchException(region, $"Failed fetching secret {secretId}", cause);
        }

        if (value.LongLength > _options.MaxObjectBytes)
        {
            throw new ObjectTooLargeException(secretId, value.LongLength);
        }

        _cache.Put(CacheKey(identity, region, secretId), entry.VersionId, value);
        return (value, entry.VersionId);
    }

    private static FetchKey CacheKey(AwsIdentity identity, string region, string secretId) => new("aws", identity.CacheKey, $"{region}/{secretId}");

    private static async Task<T> CallAsync<T>(string region, string secretId, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            throw new AwsFetchException(region, $"Failed fetching secret {secretId}", ex);
        }
    }

    private sealed record Request(string SecretId, string? VersionId, string? VersionStage);
}

/// <summary>An object over the size limit; reported as TooLarge, never retried in another region.</summary>
internal sealed class ObjectTooLargeException : Exception
{
    public ObjectTooLargeException(string objectName, long length)
        : base($"object {objectName} is {length} bytes")
    {
        ObjectName = objectName;
        Length = length;
    }

    public string ObjectName { get; }

    public long Length { get; }
}
