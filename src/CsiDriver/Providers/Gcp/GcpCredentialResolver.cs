using CsiDriver.Publishing;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// Who a volume reads as, per <c>auth</c>: the pod's federated identity (impersonating the ServiceAccount's
/// <c>iam.gke.io/gcp-service-account</c> when annotated), a key.json, or the driver's own; and the access token
/// for it, obtained only when a read needs one.
/// </summary>
internal sealed partial class GcpCredentialResolver(WorkloadIdentityResolver pools, FederatedTokenClient federation, MetadataServerClient metadata, ServiceAccountKeyTokenSource keys, IServiceAccountLookup serviceAccounts, AccessTokenCache cache, ILogger<GcpCredentialResolver> logger)
{
    public const string ServiceAccountAnnotation = "iam.gke.io/gcp-service-account";
    public const string DelegatesAnnotation = "iam.gke.io/gcp-service-account-delegates";
    private const string ProviderAdcIdentity = "provider-adc";

    /// <summary>
    /// Works out the identity (no Google call once the workload identity pool is known); the token comes from
    /// <see cref="GcpCredential.Token"/>, so a volume served wholly from memory costs no token exchange.
    /// </summary>
    public async Task<GcpCredential> ResolveAsync(ProviderRequest request, GcpMountConfig config, CancellationToken cancellationToken)
    {
        var credential = await ForMountAsync(request, () => config.Auth switch
        {
            GcpAuthMode.NodePublishSecret => Task.FromResult(keys.Credential(config.KeyJson!, cache)),
            GcpAuthMode.ProviderAdc => Task.FromResult(cache.Credential(ProviderAdcIdentity, metadata.GetDefaultTokenAsync)),
            _ => AsPodAsync(request, cancellationToken),
        }).ConfigureAwait(false);
        return credential with { Token = ct => ForMountAsync(request, () => credential.Token(ct)) };
    }

    /// <summary>Runs <paramref name="step"/>, its failure naming the volume's class; a token never reaches these messages (the clients redact what they send).</summary>
    private static async Task<T> ForMountAsync<T>(ProviderRequest request, Func<Task<T>> step)
    {
        var prefix = $"SecretProviderClass {request.Class.Description}: unable to obtain auth for mount: ";
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (GoogleApiException ex)
        {
            throw new SecretStoreException(ex.Kind is FailureKind.Unavailable or FailureKind.Timeout or FailureKind.InvalidConfiguration ? ex.Kind : FailureKind.PermissionDenied, prefix + ex.Message);
        }
        catch (SecretStoreException ex)
        {
            throw new SecretStoreException(ex.Kind, prefix + ex.Message, ex);
        }
    }

    private async Task<GcpCredential> AsPodAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var pod = request.Pod;
        var identity = await GoogleApiException.RewordAsync(pools.ResolveAsync(cancellationToken), k => k, m => $"unable to obtain workload identity auth: {m}").ConfigureAwait(false);
        var podToken = identity.TokenAudiences.Select(a => pod.Tokens.TryGet(a, out var t) ? t : null).FirstOrDefault(t => t is not null)
            ?? throw new GoogleApiException(
                FailureKind.InvalidConfiguration,
                $"unable to obtain workload identity auth: kubelet passed no service account token for audience \"{identity.TokenAudiences[0]}\" " +
                $"(got: [{string.Join(", ", pod.Tokens.Audiences.Order(StringComparer.Ordinal))}]); add `- audience: {identity.TokenAudiences[0]}` to spec.tokenRequests of the CSIDriver object " +
                "(this driver does not request tokens on a pod's behalf)");

        IReadOnlyDictionary<string, string> annotations;
        try
        {
            annotations = await serviceAccounts.GetAnnotationsAsync(pod.Namespace, pod.ServiceAccountName, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex)
        {
            throw new SecretStoreException(ex.Kind, $"unable to obtain workload identity auth: unable to fetch SA info: {ex.Message}", ex);
        }

        annotations.TryGetValue(ServiceAccountAnnotation, out var gsa);
        gsa = string.IsNullOrWhiteSpace(gsa) ? null : gsa.Trim();
        if (gsa is not null && !EmailLike().IsMatch(gsa))
        {
            throw new GoogleApiException(FailureKind.InvalidConfiguration, $"unable to obtain workload identity auth: annotation {ServiceAccountAnnotation} on ServiceAccount {pod.Namespace}/{pod.ServiceAccountName} is not a service account email");
        }

        var delegates = gsa is null ? [] : Delegates(annotations, pod);

        // What Google authorises: the federated principal (namespace/ServiceAccount in the pool the audience names),
        // and the Google service account it impersonates. Without a ServiceAccount name only the token tells who it is.
        var subject = string.IsNullOrEmpty(pod.ServiceAccountName)
            ? $"{pod.Namespace}/token:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(podToken.Token)))[..16]}"
            : $"{pod.Namespace}/{pod.ServiceAccountName}";
        var key = $"pod:{subject}|{identity.Audience}|{gsa}|{string.Join(',', delegates)}";
        return cache.Credential(key, ct => ExchangeAsync(podToken.Token, identity, gsa, delegates, pod, ct));
    }

    private async Task<AccessToken> ExchangeAsync(string podToken, WorkloadIdentity identity, string? gsa, List<string> delegates, PodIdentity pod, CancellationToken cancellationToken)
    {
        const string Prefix = "unable to obtain workload identity auth: unable to fetch";
        var federated = await GoogleApiException.RewordAsync(
            federation.ExchangeAsync(podToken, identity.Audience, cancellationToken), AuthKind, m => $"{Prefix} identitybindingtoken: could not get idbindtoken token: {m}").ConfigureAwait(false);
        if (gsa is null)
        {
            return federated;
        }

        GcpLog.Impersonating(logger, gsa, pod.Namespace, pod.ServiceAccountName);
        return await GoogleApiException.RewordAsync(
            federation.GenerateAccessTokenAsync(gsa, delegates, federated, cancellationToken), AuthKind, m => $"{Prefix} gcp service account token for {gsa}: {m}").ConfigureAwait(false);
    }

    /// <summary>A refused exchange (400 invalid_grant, 403) is the identity's problem, as upstream reports it.</summary>
    private static FailureKind AuthKind(FailureKind kind) => kind == FailureKind.InvalidConfiguration ? FailureKind.PermissionDenied : kind;

    private static List<string> Delegates(IReadOnlyDictionary<string, string> annotations, PodIdentity pod)
    {
        if (!annotations.TryGetValue(DelegatesAnnotation, out var json) || string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        var delegates = Http.BackendJson.TryParse(Encoding.UTF8.GetBytes(json), GcpJsonContext.Default.ListString);
        return delegates is null || delegates.Any(d => d is null || !EmailLike().IsMatch(d))
            ? throw new GoogleApiException(
                FailureKind.InvalidConfiguration,
                $"unable to obtain workload identity auth: annotation {DelegatesAnnotation} on ServiceAccount {pod.Namespace}/{pod.ServiceAccountName} is not a JSON array of service account emails")
            : delegates;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailLike();
}

/// <summary>
/// Who a volume or store reads as (<paramref name="Identity"/>: what Google authorises, never a token) and its access token on
/// demand (cached per identity).
/// </summary>
/// <param name="Identity">The auth mode and what it resolves to: pod namespace/ServiceAccount + pool audience + impersonated account, the key's account + key digest, or the driver's own.</param>
internal sealed record GcpCredential(string Identity, Func<CancellationToken, Task<AccessToken>> Token)
{
    public override string ToString() => Identity;
}
