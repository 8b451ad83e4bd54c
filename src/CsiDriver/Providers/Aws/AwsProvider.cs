using CsiDriver.Publishing;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// AWS Secrets Manager and SSM Parameter Store (<c>provider: aws</c>), accepting the
/// aws/secrets-store-csi-driver-provider-aws parameters unchanged: region, failoverRegion,
/// pathTranslation, usePodIdentity, preferredAddressType, objects. Authenticates as the pod
/// (IRSA, EKS Pod Identity, or static keys from nodePublishSecretRef). In a rotation pass, reads and credentials
/// are shared between volumes of the same identity (<see cref="IFetchScope"/>); every HTTP call is counted as a
/// backend call. See docs/providers/aws.md ("Rotation cost").
/// </summary>
internal sealed class AwsProvider(
    AwsProviderOptions options, IServiceAccountLookup serviceAccounts, AwsClients clients, VersionedValueCache values, TimeProvider time, ILogger<AwsProvider> logger) : IProvider
{
    private readonly AwsCredentialResolver _credentials = new(options, serviceAccounts, clients.Sts, clients.PodIdentity, clients.Endpoints, time, logger);
    private readonly SecretsManagerFetcher _secrets = new(clients.SecretsManager, clients.Endpoints, values, options, logger);
    private readonly SsmParameterFetcher _parameters = new(clients.Ssm, clients.Endpoints, values, options);

    public string Name => "aws";

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var description = request.Class.Description;
        SecretStoreException Invalid(string message) => ProviderParameters.Invalid(description, message);

        var attributes = request.Attributes;
        // Go's strconv.ParseBool, as upstream parses usePodIdentity.
        var usePodIdentity = Get(attributes, "usePodIdentity") is { } flag &&
            (Spec.GoStrconv.ParseBool(flag) ?? throw Invalid($"failed to parse usePodIdentity value, error: strconv.ParseBool: parsing \"{flag}\": invalid syntax"));
        var translate = AwsObjectParser.ParseTranslation(Get(attributes, "pathTranslation"), Invalid);
        var objectsYaml = Get(attributes, "objects");
        if (string.IsNullOrWhiteSpace(objectsYaml))
        {
            throw Invalid("parameter 'objects' is not set");
        }

        var regions = await clients.Regions.ResolveAsync(Get(attributes, "region"), Get(attributes, "failoverRegion"), Invalid, cancellationToken).ConfigureAwait(false);
        var objects = ParsedParameters.GetOrParse(objectsYaml, $"{translate}|{string.Join(',', regions)}", () => AwsObjectParser.Parse(objectsYaml, translate, regions, Invalid));
        if (objects.Count == 0)
        {
            throw Invalid("parameter 'objects' lists no objects");
        }

        AwsIdentity identity;
        try
        {
            identity = await _credentials.ResolveAsync(request, usePodIdentity, Get(attributes, "preferredAddressType") ?? "auto", regions, Invalid, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            throw new SecretStoreException(Kind(ex), $"SecretProviderClass {description}: cannot get AWS credentials for pod {request.Pod.Namespace}/{request.Pod.Name}: {ex.Message}", ex);
        }

        var current = request.CurrentVersions.GroupBy(v => v.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Version, StringComparer.Ordinal);

        var fetched = new List<KeyValuePair<AwsObject, FetchedValue>>(objects.Count);
        try
        {
            // Secrets Manager objects are read before SSM ones, so a class failing in both reports the Secrets Manager error.
            foreach (var kind in objects.GroupBy(o => o.Kind).OrderByDescending(g => g.Key == AwsObjectKind.SecretsManager))
            {
                var items = kind.ToList();
                fetched.AddRange(await WithFailoverAsync(regions, description, items, (region, failover) => kind.Key == AwsObjectKind.SecretsManager
                    ? _secrets.FetchAsync(items, region, failover, identity, current, description, request.FetchScope, cancellationToken)
                    : _parameters.FetchAsync(items, region, failover, identity, current, request.FetchScope, cancellationToken)).ConfigureAwait(false));
            }
        }
        catch (AwsServiceException ex)
        {
            throw new SecretStoreException(Kind(ex), $"SecretProviderClass {description}: {ex.Message}", ex) { Reason = ex.ErrorCode };
        }
        catch (ObjectTooLargeException ex)
        {
            throw new SecretStoreException(FailureKind.TooLarge, $"SecretProviderClass {description}: object {ex.ObjectName} is {ex.Length} bytes, over the {options.MaxObjectBytes}-byte limit");
        }

        return Assemble(description, objects, fetched);
    }

    private ProviderResult Assemble(string description, IReadOnlyList<AwsObject> objects, List<KeyValuePair<AwsObject, FetchedValue>> fetched)
    {
        var byObject = new Dictionary<AwsObject, FetchedValue>(fetched);
        var files = new Dictionary<string, (SecretFile File, ObjectVersion Version, string Owner)>(StringComparer.Ordinal);
        void Add(string owner, SecretFile file, string version)
        {
            if (files.TryGetValue(file.Path, out var earlier))
            {
                AwsLog.DuplicateFile(logger, description, earlier.Owner, owner, file.Path);
                files.Remove(file.Path);
            }

            files[file.Path] = (file, new ObjectVersion(file.Path, version), owner);
        }

        foreach (var item in objects)
        {
            var value = byObject[item];
            Add(item.Name, new SecretFile(item.FileName, value.Value, item.Mode), value.Version);
            if (item.JmesFiles.Count == 0)
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(value.Value);
            }
            catch (JsonException)
            {
                throw ProviderParameters.Invalid(description, $"Invalid JSON used with jmesPath in secret: {item.Name}.");
            }

            using (document)
            {
                foreach (var jmes in item.JmesFiles)
                {
                    var result = jmes.Path.Evaluate(document.RootElement)
                        ?? throw new SecretStoreException(FailureKind.NotFound, $"SecretProviderClass {description}: JMES Path - {jmes.Expression} for object alias - {jmes.Alias} does not point to a valid object.");
                    if (result.ValueKind != JsonValueKind.String)
                    {
                        throw ProviderParameters.Invalid(description, $"Invalid JMES search result type for path:{jmes.Expression}. Only string is allowed.");
                    }

                    Add($"{item.Name} ({jmes.Expression})", new SecretFile(jmes.FileName, System.Text.Encoding.UTF8.GetBytes(result.GetString()!), jmes.Mode), value.Version);
                }
            }
        }

        return new ProviderResult(files.Values.Select(f => f.File).ToList(), files.Values.Select(f => f.Version).ToList());
    }

    private async Task<List<KeyValuePair<AwsObject, FetchedValue>>> WithFailoverAsync(
        IReadOnlyList<string> regions, string description, IReadOnlyList<AwsObject> objects, Func<string, bool, Task<List<KeyValuePair<AwsObject, FetchedValue>>>> fetch)
    {
        try
        {
            return await fetch(regions[0], false).ConfigureAwait(false);
        }
        catch (AwsServiceException primary) when (regions.Count > 1 && !primary.IsClientFault)
        {
            AwsLog.FailingOver(logger, description, regions[0], primary.ErrorCode, regions[1]);
            try
            {
                return await fetch(regions[1], true).ConfigureAwait(false);
            }
            catch (AwsServiceException secondary) when (!secondary.IsClientFault)
            {
                var subject = objects[0].Kind == AwsObjectKind.SecretsManager
                    ? $"Failed to fetch secret from all regions. Verify secret exists and required permissions are granted for: {string.Join(", ", objects.Select(o => o.Name))}"
                    : "Failed to fetch parameters from all regions.";
                throw new AwsServiceException(secondary.Operation, secondary.StatusCode, secondary.ErrorCode, $"{primary.Message}; {secondary.Message}", secondary.RequestId)
                    .In(string.Join(", ", regions), subject);
            }
        }
    }

    internal static FailureKind Kind(AwsServiceException ex) => ex.ErrorCode switch
    {
        "ResourceNotFoundException" or "ParameterNotFound" or "ParameterVersionNotFound" or "InvalidParameters" => FailureKind.NotFound,
        "AccessDeniedException" or "AccessDenied" or "UnrecognizedClientException" or "InvalidSignatureException" or "SignatureDoesNotMatch" or
            "IncompleteSignature" or "ExpiredTokenException" or "ExpiredToken" or "InvalidIdentityToken" or "InvalidClientTokenId" or
            "KMSAccessDeniedException" or "DecryptionFailure" => FailureKind.PermissionDenied,
        "RequestTimeout" => FailureKind.Timeout,
        "ResponseTooLarge" => FailureKind.TooLarge,
        _ when ex.IsClientFault && ex.StatusCode is HttpStatusCode.Forbidden => FailureKind.PermissionDenied,
        _ when ex.IsClientFault => FailureKind.InvalidConfiguration,
        _ => FailureKind.Unavailable,
    };

    private static string? Get(IReadOnlyDictionary<string, string> attributes, string key) => ProviderParameters.NullIfEmpty(attributes.GetValueOrDefault(key));
}
