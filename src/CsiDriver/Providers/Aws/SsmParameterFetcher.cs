namespace CsiDriver.Providers.Aws;

/// <summary>
/// Reads the SSM parameters of one volume in one region: GetParameters in batches of 10 with decryption,
/// versions and labels as <c>name:selector</c>, as the upstream plugin does. SSM has no call cheaper than
/// GetParameters that tells whether a parameter changed, so an unpinned parameter is read on every fetch; in a
/// rotation pass each (identity, region, selector) is read once for all volumes (<see cref="AwsSharedReads"/>).
/// A pinned version (<c>objectVersion</c>, immutable in SSM) that the volume already holds and the identity
/// already read is served from memory.
/// </summary>
internal sealed class SsmParameterFetcher(SsmClient client, AwsEndpoints endpoints, VersionedValueCache cache, AwsProviderOptions options)
{
    private const string Operation = "SSM: GetParameters";

    public async Task<List<KeyValuePair<AwsObject, FetchedValue>>> FetchAsync(
        IReadOnlyList<AwsObject> objects, string region, bool failover, AwsIdentity identity, IReadOnlyDictionary<string, string> currentVersions, IFetchScope? scope, CancellationToken cancellationToken)
    {
        var endpoint = endpoints.Ssm(region);
        var values = new Dictionary<string, FetchedValue>(StringComparer.Ordinal);
        var pending = new List<string>();
        var pinnedSelectors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in objects.DistinctBy(o => Selector(o, failover)))
        {
            var selector = Selector(item, failover);
            if (item.VersionIn(failover) is { } pinned)
            {
                pinnedSelectors.Add(selector);
                if (currentVersions.TryGetValue(item.FileName, out var held) && held == pinned && cache.TryGet(CacheKey(identity, region, selector), pinned, out var cached))
                {
                    values[selector] = new FetchedValue(cached, pinned);
                    continue;
                }
            }

            pending.Add(selector);
        }

        var reads = await AwsSharedReads.ReadAsync(
            scope,
            pending,
            selector => new FetchKey("aws", identity.ReadIdentity, $"ssm-parameter|{region}|{selector}"),
            (claimed, ct) => ReadAsync(endpoint, identity, claimed, ct),
            cancellationToken).ConfigureAwait(false);

        var invalid = pending.Where(s => reads[s].Error is { ErrorCode: "InvalidParameters" }).ToList();
        if (invalid.Count > 0)
        {
            // One message for all of the volume's missing parameters, as one GetParameters call would report them.
            throw Failed(region, new AwsServiceException(Operation, HttpStatusCode.BadRequest, "InvalidParameters", $"invalid parameters: {string.Join(", ", invalid.Select(n => Http.ErrorText.Clean(n, 2048)))}", null));
        }

        foreach (var selector in pending)
        {
            var parameter = reads[selector].Value ?? throw Failed(region, reads[selector].Error!);
            var text = parameter.Value ?? string.Empty;
            if (Encoding.UTF8.GetByteCount(text) > options.MaxObjectBytes)
            {
                throw new ObjectTooLargeException(selector, Encoding.UTF8.GetByteCount(text));
            }

            var value = Encoding.UTF8.GetBytes(text);
            var version = parameter.Version.ToString(CultureInfo.InvariantCulture);
            if (pinnedSelectors.Contains(selector))
            {
                // Only pinned versions are ever served from memory; labels and the latest version move.
                cache.Put(CacheKey(identity, region, selector), version, value);
            }

            values[selector] = new FetchedValue(value, version);
        }

        return [.. objects.Select(o => KeyValuePair.Create(o, values[Selector(o, failover)]))];
    }

    /// <summary>The raw reads of <paramref name="selectors"/>, 10 per call; every selector gets its value or its own error.</summary>
    private Task<Dictionary<string, AwsRead<SsmParameter>>> ReadAsync(AwsEndpoint endpoint, AwsIdentity identity, IReadOnlyList<string> selectors, CancellationToken cancellationToken) =>
        AwsSharedReads.ReadChunksAsync(
            selectors,
            SsmClient.BatchLimit,
            chunk => client.GetParametersAsync(endpoint, identity.Credentials, chunk, cancellationToken),
            (GetParametersResponse response, string selector) =>
                (response.InvalidParameters ?? []).Contains(selector)
                    ? AwsRead<SsmParameter>.Failed(new AwsServiceException(Operation, HttpStatusCode.BadRequest, "InvalidParameters", $"invalid parameters: {Http.ErrorText.Clean(selector, 2048)}", null))
                    : (response.Parameters ?? []).FirstOrDefault(p => Matches(p, selector)) is { } parameter
                        ? AwsRead<SsmParameter>.Of(parameter)
                        : AwsRead<SsmParameter>.Failed(new AwsServiceException(Operation, HttpStatusCode.OK, "InvalidResponse", $"the response does not contain parameter {Http.ErrorText.Clean(selector, 2048)}", null)));

    private static AwsServiceException Failed(string region, AwsServiceException cause) => cause.In(region, "Failed fetching parameters");

    private static FetchKey CacheKey(AwsIdentity identity, string region, string selector) => new("aws", identity.ReadIdentity, $"ssm|{region}|{selector}");

    private static string Selector(AwsObject item, bool failover) =>
        (item.VersionIn(failover) ?? item.LabelIn(failover)) is { } selector ? $"{item.NameIn(failover)}:{selector}" : item.NameIn(failover);

    // SSM answers with the name, the ARN and, apart, the selector (":3", ":label") it was asked with; either may be what was asked for.
    private static bool Matches(SsmParameter parameter, string requested) =>
        parameter.Name + parameter.Selector == requested || parameter.ARN + parameter.Selector == requested;
}
