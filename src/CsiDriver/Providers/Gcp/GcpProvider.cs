using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// Google Secret Manager and Parameter Manager, accepting the parameters of
/// GoogleCloudPlatform/secrets-store-csi-driver-provider-gcp unchanged (<c>secrets</c>, <c>auth</c>).
/// Each distinct resource is read once per volume, in parallel; any failure fails the whole volume.
/// Object id = <c>resourceName</c> as written; version = the resolved version name.
/// In a rotation pass, a resource several volumes read as the same identity is read once
/// (<see cref="IFetchScope"/>); a numerically pinned secret version the volume already has, read before by the
/// same identity, is served from memory (<see cref="VersionedValueCache"/>) with no call at all. Backend calls
/// are counted as <c>access_version</c>, <c>render_version</c> and the token calls of <see cref="GcpCredentialResolver"/>.
/// </summary>
internal sealed class GcpProvider(GcpProviderOptions options, GcpCredentialResolver credentials, SecretManagerClient secrets, VersionedValueCache pinned, ILogger<GcpProvider> logger) : IProvider
{
    public const string ProviderName = "gcp";

    public string Name => ProviderName;

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var config = GcpMountConfig.Parse(request, options);
        var resources = ParseResourceNames(request, config);
        if (config.Secrets.Count == 0)
        {
            return new ProviderResult([], []);
        }

        GcpLog.Fetching(logger, resources.Count, request.Class.Description, config.Auth);
        var credential = await credentials.ResolveAsync(request, config, cancellationToken).ConfigureAwait(false);

        var fetched = new ConcurrentDictionary<string, object>(StringComparer.Ordinal);
        var toRead = new List<GcpResourceName>(resources.Count);
        foreach (var resource in resources.Values)
        {
            if (FromMemory(request, credential.Identity, resource) is { } held)
            {
                GcpLog.PinnedFromMemory(logger, request.Class.Description, resource.Value, held.Version);
                fetched[resource.Value] = held;
            }
            else
            {
                toRead.Add(resource);
            }
        }

        // A volume served wholly from memory costs no token.
        var token = toRead.Count == 0 ? null : await credential.Token(cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(
            toRead,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxParallelFetches), CancellationToken = cancellationToken },
            async (resource, ct) =>
            {
                try
                {
                    fetched[resource.Value] = await ReadSharedAsync(request, credential.Identity, resource, token!, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex)
                {
                    fetched[resource.Value] = ex;
                }
            }).ConfigureAwait(false);

        return Assemble(request, config, fetched);
    }

    /// <summary>
    /// A pinned version this volume already has, as the same identity read it before. Never for a new publish
    /// (no current version): memory does not stand in for Google authorising a new reader.
    /// </summary>
    private FetchedResource? FromMemory(ProviderRequest request, string identity, GcpResourceName resource) =>
        resource.IsPinnedSecretVersion
            ? request.CurrentVersions
                .Where(current => current.Id == resource.Value)
                .Select(current => pinned.TryGet(Key(identity, resource), current.Version, out var payload) ? new FetchedResource(payload, current.Version) : null)
                .FirstOrDefault(held => held is not null)
            : null;

    /// <summary>The raw read, shared by the volumes of a rotation pass; each volume turns failures into its own messages.</summary>
    private Task<FetchedResource> ReadSharedAsync(ProviderRequest request, string identity, GcpResourceName resource, AccessToken token, CancellationToken cancellationToken)
    {
        var key = Key(identity, resource);
        return request.FetchScope is { } scope
            ? scope.GetOrAddAsync(key, ct => ReadAsync(key, resource, token, ct)).WaitAsync(cancellationToken)
            : ReadAsync(key, resource, token, cancellationToken);
    }

    private async Task<FetchedResource> ReadAsync(FetchKey key, GcpResourceName resource, AccessToken token, CancellationToken cancellationToken)
    {
        var fetched = await secrets.FetchAsync(resource, token.Value, cancellationToken).ConfigureAwait(false);
        if (resource.IsPinnedSecretVersion)
        {
            pinned.Put(key, fetched.Version, fetched.Payload);
        }

        return fetched;
    }

    /// <summary>Who read which resource; the resource name as written (its version selector included).</summary>
    private static FetchKey Key(string identity, GcpResourceName resource) => new(ProviderName, identity, resource.Value);

    private ProviderResult Assemble(ProviderRequest request, GcpMountConfig config, ConcurrentDictionary<string, object> fetched)
    {
        var files = new List<SecretFile>(config.Secrets.Count);
        var versions = new List<ObjectVersion>(config.Secrets.Count);
        var failures = new List<(GcpSecretEntry Entry, FailureKind Kind, string Message)>();
        var seen = new HashSet<(string, string, string)>();
        foreach (var entry in config.Secrets)
        {
            // Repeated (resourceName, fileName, path) triples are one object, as upstream keys its results.
            if (!seen.Add((entry.ResourceName, entry.FileName, entry.Path)))
            {
                continue;
            }

            switch (fetched[entry.ResourceName])
            {
                case GoogleApiException ex:
                    failures.Add((entry, ex.Kind, ex.Message));
                    break;
                case FetchedResource resource:
                    try
                    {
                        files.Add(new SecretFile(entry.OutputPath, Extract(entry, resource.Payload), entry.Mode));
                        var version = new ObjectVersion(entry.ResourceName, resource.Version);
                        if (!versions.Contains(version))
                        {
                            // One resource feeding several files is one object in pod status.
                            versions.Add(version);
                        }
                    }
                    catch (FormatException ex)
                    {
                        failures.Add((entry, FailureKind.InvalidConfiguration, ex.Message));
                    }

                    break;
            }
        }

        if (failures.Count > 0)
        {
            var message = $"SecretProviderClass {request.Class.Description}: failed to fetch {failures.Count} of {seen.Count} secret(s): " +
                string.Join(", ", failures.Select(f => $"{f.Entry.Label}: {f.Message}"));
            GcpLog.FetchFailed(logger, request.Class.Description, message);
            throw new SecretStoreException(failures[0].Kind, message) { Reason = "GcpFetchFailed" };
        }

        return new ProviderResult(files, versions);
    }

    private static byte[] Extract(GcpSecretEntry entry, byte[] payload) =>
        entry.ExtractJsonKey is { } json ? PayloadKeyExtractor.FromJson(payload, json)
        : entry.ExtractYamlKey is { } yaml ? PayloadKeyExtractor.FromYaml(payload, yaml)
        : payload;

    /// <summary>Every resource name checked before any call, so a typo costs no token exchange.</summary>
    private static Dictionary<string, GcpResourceName> ParseResourceNames(ProviderRequest request, GcpMountConfig config)
    {
        var resources = new Dictionary<string, GcpResourceName>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var entry in config.Secrets)
        {
            if (resources.ContainsKey(entry.ResourceName))
            {
                continue;
            }

            if (GcpResourceName.TryParse(entry.ResourceName, out var error) is { } parsed)
            {
                resources[entry.ResourceName] = parsed;
            }
            else
            {
                errors.Add($"{entry.Label}: {error}");
            }
        }

        return errors.Count == 0
            ? resources
            : throw new SecretStoreException(FailureKind.InvalidConfiguration, $"SecretProviderClass {request.Class.Description}: {string.Join(", ", errors)}");
    }
}
