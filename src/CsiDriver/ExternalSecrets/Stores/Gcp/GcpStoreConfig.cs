using CsiDriver.ExternalSecrets.Stores.References;

namespace CsiDriver.ExternalSecrets.Stores.Gcp;

/// <summary>How a gcpsm store authenticates (eso.md section 4.7).</summary>
internal abstract record GcpStoreAuth : StoreAuth;

/// <summary>No <c>auth</c>: the controller's Application Default Credentials (the metadata server).</summary>
internal sealed record GcpControllerAuth : GcpStoreAuth;

/// <summary><c>auth.secretRef.secretAccessKeySecretRef</c>: a service-account key JSON in a Secret.</summary>
internal sealed record GcpKeyAuth(SecretKeySelector Key) : GcpStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => [Key];
}

/// <summary><c>auth.workloadIdentity</c>: the service account's token exchanged at Google STS, then impersonation when annotated.</summary>
internal sealed record GcpWorkloadIdentityAuth(ServiceAccountSelector ServiceAccount, string? ClusterLocation, string? ClusterName, string? ClusterProjectId) : GcpStoreAuth
{
    public override IEnumerable<string?> ReferenceNamespaces => [ServiceAccount.Namespace];
}

/// <summary>A gcpsm store's block, parsed; holds no credential.</summary>
internal sealed partial record GcpStoreConfig(string ProjectId, string? Location, GcpStoreAuth Auth)
{
    public static GcpStoreConfig Parse(StoreContext store)
    {
        var block = StoreBlock.Root(store);
        var project = block.RequiredString("projectID");
        if (!ProjectPattern().IsMatch(project))
        {
            throw block.Invalid($"{block.Path}.projectID '{project}' is not a Google Cloud project id");
        }

        var location = block.String("location");
        if (location is not null && !LocationPattern().IsMatch(location))
        {
            throw block.Invalid($"{block.Path}.location '{location}' is not a Google Cloud location such as europe-west1");
        }

        if (block.String("secretVersionSelectionPolicy") is { } policy && policy != "LatestOrFail")
        {
            throw block.Invalid($"{block.Path}.secretVersionSelectionPolicy {policy} is not supported in this mode yet");
        }

        return new GcpStoreConfig(project, location, ParseAuth(block.Child("auth")));
    }

    /// <summary>Where secrets live: <c>projects/{p}</c>, or <c>projects/{p}/locations/{loc}</c> for regional secrets.</summary>
    public string Parent => Location is null ? $"projects/{ProjectId}" : $"projects/{ProjectId}/locations/{Location}";

    private static GcpStoreAuth ParseAuth(StoreBlock auth)
    {
        if (!auth.Exists)
        {
            return new GcpControllerAuth();
        }

        var secretRef = auth.Child("secretRef");
        if (secretRef.Exists)
        {
            return new GcpKeyAuth(secretRef.SecretKey("secretAccessKeySecretRef") ?? throw auth.Invalid($"{secretRef.Path}.secretAccessKeySecretRef is required"));
        }

        var workload = auth.Child("workloadIdentity");
        if (workload.Exists)
        {
            return new GcpWorkloadIdentityAuth(
                workload.ServiceAccount("serviceAccountRef") ?? throw auth.Invalid($"{workload.Path}.serviceAccountRef is required"),
                workload.String("clusterLocation"),
                workload.String("clusterName"),
                workload.String("clusterProjectID"));
        }

        var named = auth.Fields.ToList();
        return named.Count == 0
            ? new GcpControllerAuth()
            : throw auth.Invalid($"{auth.Path}.{named[0]} is not supported in this mode yet (supported: secretRef, workloadIdentity)");
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectPattern();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LocationPattern();
}
