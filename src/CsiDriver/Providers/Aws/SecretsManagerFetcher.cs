namespace CsiDriver.Providers.Aws;

/// <summary>
/// Reads the Secrets Manager objects of one volume in one region with as few calls as possible:
/// a pinned version the volume already holds and the identity already read costs none; an unpinned one the
/// volume holds costs a DescribeSecret, and if the wanted stage still points at the held version the value is
/// served from memory; the rest come from one BatchGetSecretValue per 20 secrets, falling back for good to
/// GetSecretValue per secret when the identity's IAM policy does not allow the batch call. In a rotation pass
/// every DescribeSecret and value read is shared per (identity, region, object) (<see cref="AwsSharedReads"/>).
/// A first publish (the volume holds no version) always reads from AWS: memory never stands in for AWS
/// authorising a new reader.
/// </summary>
internal sealed class SecretsManagerFetcher(SecretsManagerClient client, AwsEndpoints endpoints, VersionedValueCache cache, AwsProviderOptions options, ILogger logger)
{
    private const string DefaultStage = "AWSCURRENT";

    private readonly ConcurrentDictionary<string, bool> _batchDenied = new(StringComparer.Ordinal);

    public async Task<List<KeyValuePair<AwsObject, FetchedValue>>> FetchAsync(
        IReadOnlyList<AwsObject> objects,
        string region,
        bool failover,
        AwsIdentity identity,
        IReadOnlyDictionary<string, string> currentVersions,
        string classDescription,
        IFetchScope? scope,
        CancellationToken cancellationToken)
    {
        var endpoint = endpoints.SecretsManager(region);
        var values = new Dictionary<Request, FetchedValue>();
        var checks = new List<(Request Request, string Held, byte[] Cached)>();
        var pending = new List<Request>();
        foreach (var item in objects.DistinctBy(o => RequestFor(o, failover)))
        {
            var request = RequestFor(item, failover);
            if (!currentVersions.TryGetValue(item.FileName, out var held) || !cache.TryGet(CacheKey(identity, region, request.SecretId), held, out var cached))
            {
                pending.Add(request);
            }
            else if (request.VersionId == held)
            {
                // A version id never changes its value: the held one needs no call.
                values[request] = new FetchedValue(cached, held);
            }
            else if (request.VersionId is null)
            {
                checks.Add((request, held, cached));
            }
            else
            {
                pending.Add(request);
            }
        }

        var described = await Task.WhenAll(checks.Select(check => AwsSharedReads.ReadOneAsync(
            scope,
            ScopeKey(identity, $"describe-secret|{region}|{check.Request.SecretId}"),
            ct => client.DescribeSecretAsync(endpoint, identity.Credentials, check.Request.SecretId, ct),
            cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < checks.Count; i++)
        {
            var (request, held, cached) = checks[i];
            var description = described[i].Value ?? throw Failed(region, request.SecretId, described[i].Error!);
            var stage = request.VersionStage ?? DefaultStage;
            var currentId = description.VersionIdsToStages?.FirstOrDefault(v => v.Value?.Contains(stage, StringComparer.Ordinal) == true).Key;
            if (currentId == held)
            {
                AwsLog.SecretUnchanged(logger, classDescription, request.SecretId, held);
                values[request] = new FetchedValue(cached, held);
            }
            else
            {
                pending.Add(request);
            }
        }

        var reads = await AwsSharedReads.ReadAsync(
            scope,
            pending,
            request => ScopeKey(identity, $"secret-value|{region}|{request.KeyText()}"),
            (claimed, ct) => ReadAsync(endpoint, identity, claimed, ct),
            cancellationToken).ConfigureAwait(false);
        foreach (var request in pending)
        {
            var read = reads[request];
            values[request] = Accept(region, identity, request.SecretId, read.Value ?? throw Failed(region, request.SecretId, read.Error!));
        }

        return [.. objects.Select(o => KeyValuePair.Create(o, values[RequestFor(o, failover)]))];
    }

    /// <summary>The raw reads of <paramref name="requests"/>: batched where possible, one error per failed secret.</summary>
    private async Task<Dictionary<Request, AwsRead<SecretValueEntry>>> ReadAsync(AwsEndpoint endpoint, AwsIdentity identity, IReadOnlyList<Request> requests, CancellationToken cancellationToken)
    {
        var batchable = requests.Where(r => r.VersionId is null && r.VersionStage is null).Select(r => r.SecretId).Distinct(StringComparer.Ordinal).ToList();
        var batched = batchable.Count < 2 ? [] : await AwsSharedReads.ReadChunksAsync(
            batchable,
            SecretsManagerClient.BatchLimit,
            chunk => BatchAsync(endpoint, identity, chunk, cancellationToken),
            (answer, id) => answer switch
            {
                null => null,
                var (_, errors) when errors.FirstOrDefault(e => e.SecretId == id) is { } error => AwsRead<SecretValueEntry>.Failed(
                    new AwsServiceException("Secrets Manager: BatchGetSecretValue", HttpStatusCode.BadRequest, Http.ErrorText.Clean(error.ErrorCode ?? "Error", 100), AwsHttp.Clean(error.Message), null)),
                var (entries, _) when entries.FirstOrDefault(e => e.Name == id || e.ARN == id) is { } entry => AwsRead<SecretValueEntry>.Of(entry),

                // Ids the batch answered under another spelling (a partial ARN, say) are read singly below.
                _ => null,
            }).ConfigureAwait(false);
        var reads = new Dictionary<Request, AwsRead<SecretValueEntry>>();
        foreach (var request in requests)
        {
            reads[request] = request is { VersionId: null, VersionStage: null } && batched.TryGetValue(request.SecretId, out var read)
                ? read
                : await AwsSharedReads.CaptureAsync(
                    ct => client.GetSecretValueAsync(endpoint, identity.Credentials, request.SecretId, request.VersionId, request.VersionStage, ct),
                    cancellationToken).ConfigureAwait(false);
        }

        return reads;
    }

    /// <summary>One BatchGetSecretValue call; null once the identity's IAM policy refused the batch call (its secrets are then read singly).</summary>
    private async Task<(List<SecretValueEntry> Values, List<BatchGetSecretError> Errors)?> BatchAsync(AwsEndpoint endpoint, AwsIdentity identity, string[] secretIds, CancellationToken cancellationToken)
    {
        if (_batchDenied.ContainsKey(identity.Principal))
        {
            return null;
        }

        try
        {
            return await client.BatchGetSecretValueAsync(endpoint, identity.Credentials, secretIds, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.ErrorCode is "AccessDeniedException" or "AccessDenied")
        {
            // IAM policies written for the upstream plugin grant GetSecretValue only.
            if (_batchDenied.TryAdd(identity.Principal, true))
            {
                AwsLog.BatchDenied(logger, identity.Principal);
            }

            return null;
        }
    }

    private FetchedValue Accept(string region, AwsIdentity identity, string secretId, SecretValueEntry entry)
    {
        var value = entry.SecretString is { } text ? Encoding.UTF8.GetBytes(text) : entry.SecretBinary;
        if (value is null || string.IsNullOrEmpty(entry.VersionId))
        {
            var cause = new AwsServiceException("Secrets Manager: GetSecretValue", HttpStatusCode.OK, "InvalidResponse", "the response has no SecretString, SecretBinary or VersionId", null);
            throw Failed(region, secretId, cause);
        }

        if (value.LongLength > options.MaxObjectBytes)
        {
            throw new ObjectTooLargeException(secretId, value.LongLength);
        }

        cache.Put(CacheKey(identity, region, secretId), entry.VersionId, value);
        return new FetchedValue(value, entry.VersionId);
    }

    private static Request RequestFor(AwsObject item, bool failover) => new(item.NameIn(failover), item.VersionIn(failover), item.LabelIn(failover));

    private static AwsServiceException Failed(string region, string secretId, AwsServiceException cause) => cause.In(region, $"Failed fetching secret {secretId}");

    /// <summary>The last value this identity read of the secret, whatever version (the cache keeps one per key).</summary>
    private static FetchKey CacheKey(AwsIdentity identity, string region, string secretId) => new("aws", identity.ReadIdentity, $"secretsmanager|{region}|{secretId}");

    private static FetchKey ScopeKey(AwsIdentity identity, string what) => new("aws", identity.ReadIdentity, what);

    private sealed record Request(string SecretId, string? VersionId, string? VersionStage)
    {
        /// <summary>Unambiguous whatever the names contain, so two different requests never share a scope entry.</summary>
        public string KeyText() => $"{Part(SecretId)}{Part(VersionId)}{Part(VersionStage)}";

        private static string Part(string? value) => value is null ? "-|" : $"{value.Length}:{value}|";
    }
}
