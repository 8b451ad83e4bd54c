using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// The workload identity pool and provider the pod's token is exchanged against.
/// <see cref="Audience"/> goes into the exchange; the pod token is looked up under <see cref="TokenAudiences"/>.
/// </summary>
internal sealed record WorkloadIdentity(string? Pool, string? IdentityProvider, string Audience)
{
    /// <summary>Keys of <c>serviceAccount.tokens</c> accepted, in order: the pool, then the full audience.</summary>
    public IReadOnlyList<string> TokenAudiences => Pool is null || Pool == Audience ? [Audience] : [Pool, Audience];

    /// <summary>A GKE cluster's pool (<c>PROJECT.svc.id.goog</c>) and provider.</summary>
    public static WorkloadIdentity Gke(string project, string location, string name)
    {
        var pool = $"{project}.svc.id.goog";
        var provider = $"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{name}";
        return new WorkloadIdentity(pool, provider, $"identitynamespace:{pool}:{provider}");
    }
}

/// <summary>
/// Works out the <see cref="WorkloadIdentity"/> once: GKE from configured project/location/name,
/// else a configured <c>external_account</c> audience, else GKE from the metadata server.
/// Failures are not cached, so a metadata server that comes up later is picked up.
/// </summary>
internal sealed class WorkloadIdentityResolver(GcpProviderOptions options, MetadataServerClient metadata, ILogger<WorkloadIdentityResolver> logger)
{
    private readonly Http.AsyncOnce<WorkloadIdentity> _resolved = new();

    public Task<WorkloadIdentity> ResolveAsync(CancellationToken cancellationToken) => _resolved.GetAsync(
        async ct =>
        {
            var (identity, source) = await ComputeAsync(ct).ConfigureAwait(false);
            GcpLog.WorkloadIdentityResolved(logger, identity.Pool ?? "(none)", identity.IdentityProvider ?? identity.Audience, source);
            return identity;
        },
        cancellationToken);

    private async Task<(WorkloadIdentity Identity, string Source)> ComputeAsync(CancellationToken cancellationToken)
    {
        if (Has(options.Project) && Has(options.ClusterLocation) && Has(options.ClusterName))
        {
            return (WorkloadIdentity.Gke(options.Project!, options.ClusterLocation!, options.ClusterName!), "configuration");
        }

        if (Has(options.ExternalAccountAudience))
        {
            var audience = options.ExternalAccountAudience!;
            var split = audience.Split(':', 3);
            return (split.Length == 3 && split[0] == "identitynamespace" ? new(split[1], split[2], audience) : new(null, null, audience), "external_account");
        }

        if (Has(options.ExternalAccountError))
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, options.ExternalAccountError!);
        }

        var (project, location, name) = await GoogleApiException.RewordAsync(
            ClusterFromMetadataAsync(cancellationToken),
            kind => kind == FailureKind.NotFound ? FailureKind.InvalidConfiguration : kind,
            message => $"cannot determine the workload identity pool: the GCE metadata server failed ({message}); on GKE enable Workload Identity, elsewhere set PROJECT, CLUSTER_LOCATION and CLUSTER_NAME or an external_account credential (GOOGLE_APPLICATION_CREDENTIALS) on the driver").ConfigureAwait(false);
        return (WorkloadIdentity.Gke(project, location, name), "metadata server");
    }

    /// <summary>The cluster's project, location and name: each the configured one, else the metadata server's.</summary>
    private async Task<(string Project, string Location, string Name)> ClusterFromMetadataAsync(CancellationToken cancellationToken) => (
        Has(options.Project) ? options.Project! : await metadata.GetValueAsync("project/project-id", cancellationToken).ConfigureAwait(false),
        Has(options.ClusterLocation) ? options.ClusterLocation! : await metadata.GetValueAsync("instance/attributes/cluster-location", cancellationToken).ConfigureAwait(false),
        Has(options.ClusterName) ? options.ClusterName! : await metadata.GetValueAsync("instance/attributes/cluster-name", cancellationToken).ConfigureAwait(false));

    private static bool Has(string? value) => !string.IsNullOrWhiteSpace(value);
}
