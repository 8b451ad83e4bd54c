using System.Collections.Concurrent;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// Google Secret Manager and Parameter Manager, accepting the parameters of
/// GoogleCloudPlatform/secrets-store-csi-driver-provider-gcp unchanged (<c>secrets</c>, <c>auth</c>).
/// Each distinct resource is read once per volume, in parallel; any failure fails the whole volume.
/// Object id = <c>resourceName</c> as written; version = the resolved version name.
/// </summary>
internal sealed class GcpProvider : IProvider
{
    private readonly GcpProviderOptions _options;
    private readonly GcpCredentialResolver _credentials;
    private readonly SecretManagerClient _secrets;
    private readonly ILogger _logger;

    public GcpProvider(GcpProviderOptions options, GcpCredentialResolver credentials, SecretManagerClient secrets, ILogger<GcpProvider> logger)
    {
        _options = options;
        _credentials = credentials;
        _secrets = secrets;
        _logger = logger;
    }

    public string Name => "gcp";

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var config = GcpMountConfig.Parse(request, _options);
        var resources = ParseResourceNames(request, config);
        if (config.Secrets.Count == 0)
        {
            return new ProviderResult([], []);
        }

        GcpLog.Fetching(_logger, resources.Count, request.Class.Description, config.Auth);
        var token = await _credentials.GetAsync(request, config, cancellationToken).ConfigureAwait(false);

        var fetched = new ConcurrentDictionary<string, object>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            resources.Values,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxParallelFetches), CancellationToken = cancellationToken },
            async (resource, ct) =>
            {
                try
                {
                    fetched[resource.Value] = await _secrets.FetchAsync(resource, token.Value, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex)
                {
                    if (ex.Message.Contains("integrity check failed", StringComparison.Ordinal))
                    {
                        GcpLog.ChecksumMismatch(_logger, resource.Value);
                    }

                    fetched[resource.Value] = ex;
                }
            }).ConfigureAwait(false);

        return Assemble(request, config, fetched);
    }

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
            GcpLog.FetchFailed(_logger, request.Class.Description, message);
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
