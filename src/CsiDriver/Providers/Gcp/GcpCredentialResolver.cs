using System.Text.Json;
using System.Text.RegularExpressions;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Gcp;

/// <summary>
/// The access token a volume's reads use, per <c>auth</c>: the pod's federated identity (impersonating the
/// ServiceAccount's <c>iam.gke.io/gcp-service-account</c> when annotated), a key.json, or the driver's own.
/// </summary>
internal sealed partial class GcpCredentialResolver
{
    public const string ServiceAccountAnnotation = "iam.gke.io/gcp-service-account";
    public const string DelegatesAnnotation = "iam.gke.io/gcp-service-account-delegates";

    private readonly WorkloadIdentityResolver _identity;
    private readonly TokenExchangeClient _sts;
    private readonly IamCredentialsClient _iam;
    private readonly MetadataServerClient _metadata;
    private readonly ServiceAccountKeyTokenSource _keys;
    private readonly IServiceAccountLookup _serviceAccounts;
    private readonly AccessTokenCache _cache;
    private readonly ILogger _logger;

    public GcpCredentialResolver(
        WorkloadIdentityResolver identity,
        TokenExchangeClient sts,
        IamCredentialsClient iam,
        MetadataServerClient metadata,
        ServiceAccountKeyTokenSource keys,
        IServiceAccountLookup serviceAccounts,
        AccessTokenCache cache,
        ILogger logger)
    {
        _identity = identity;
        _sts = sts;
        _iam = iam;
        _metadata = metadata;
        _keys = keys;
        _serviceAccounts = serviceAccounts;
        _cache = cache;
        _logger = logger;
    }

    public async Task<AccessToken> GetAsync(ProviderRequest request, GcpMountConfig config, CancellationToken cancellationToken)
    {
        try
        {
            return config.Auth switch
            {
                GcpAuthMode.NodePublishSecret => await FromKeyAsync(config.KeyJson!, cancellationToken).ConfigureAwait(false),
                GcpAuthMode.ProviderAdc => await _cache.GetOrCreateAsync("provider-adc", _metadata.GetDefaultTokenAsync, cancellationToken).ConfigureAwait(false),
                _ => await AsPodAsync(request, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (GoogleApiException ex)
        {
            throw new SecretStoreException(
                ex.Kind is FailureKind.Unavailable or FailureKind.Timeout or FailureKind.InvalidConfiguration ? ex.Kind : FailureKind.PermissionDenied,
                $"SecretProviderClass {request.Class.Description}: unable to obtain auth for mount: {ex.Message}");
        }
        catch (SecretStoreException ex)
        {
            throw new SecretStoreException(ex.Kind, $"SecretProviderClass {request.Class.Description}: unable to obtain auth for mount: {ex.Message}", ex);
        }
    }

    private Task<AccessToken> FromKeyAsync(string keyJson, CancellationToken cancellationToken)
    {
        var key = ServiceAccountKeyTokenSource.ParseKey(keyJson);
        return _cache.GetOrCreateAsync(ServiceAccountKeyTokenSource.Identity(key, keyJson), ct => _keys.GetTokenAsync(key, ct), cancellationToken);
    }

    private async Task<AccessToken> AsPodAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var pod = request.Pod;
        WorkloadIdentity identity;
        try
        {
            identity = await _identity.ResolveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex)
        {
            throw new GoogleApiException(ex.Kind, $"unable to obtain workload identity auth: {ex.Message}");
        }

        var podToken = identity.TokenAudiences.Select(a => pod.Tokens.TryGet(a, out var t) ? t : null).FirstOrDefault(t => t is not null)
            ?? throw new GoogleApiException(
                FailureKind.InvalidConfiguration,
                $"unable to obtain workload identity auth: kubelet passed no service account token for audience \"{identity.TokenAudiences[0]}\" " +
                $"(got: [{string.Join(", ", pod.Tokens.Audiences.Order(StringComparer.Ordinal))}]); add `- audience: {identity.TokenAudiences[0]}` to spec.tokenRequests of the CSIDriver object " +
                "(this driver does not request tokens on a pod's behalf)");

        IReadOnlyDictionary<string, string> annotations;
        try
        {
            annotations = await _serviceAccounts.GetAnnotationsAsync(pod.Namespace, pod.ServiceAccountName, cancellationToken).ConfigureAwait(false);
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
        var cacheKey = $"pod:{pod.Namespace}/{pod.ServiceAccountName}|{identity.Audience}|{gsa}|{string.Join(',', delegates)}";
        return await _cache.GetOrCreateAsync(
            cacheKey,
            async ct =>
            {
                AccessToken federated;
                try
                {
                    federated = await _sts.ExchangeAsync(podToken.Token, identity.Audience, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex)
                {
                    throw new GoogleApiException(AuthKind(ex.Kind), $"unable to obtain workload identity auth: unable to fetch identitybindingtoken: could not get idbindtoken token: {ex.Message}");
                }

                if (gsa is null)
                {
                    return federated;
                }

                GcpLog.Impersonating(_logger, gsa, pod.Namespace, pod.ServiceAccountName);
                try
                {
                    return await _iam.GenerateAccessTokenAsync(gsa, delegates, federated, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex)
                {
                    throw new GoogleApiException(AuthKind(ex.Kind), $"unable to obtain workload identity auth: unable to fetch gcp service account token for {gsa}: {ex.Message}");
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A refused exchange (400 invalid_grant, 403) is the identity's problem, as upstream reports it.</summary>
    private static FailureKind AuthKind(FailureKind kind) => kind == FailureKind.InvalidConfiguration ? FailureKind.PermissionDenied : kind;

    private static List<string> Delegates(IReadOnlyDictionary<string, string> annotations, PodIdentity pod)
    {
        if (!annotations.TryGetValue(DelegatesAnnotation, out var json) || string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        List<string>? delegates = null;
        try
        {
            delegates = JsonSerializer.Deserialize(json, GcpJsonContext.Default.ListString);
        }
        catch (JsonException)
        {
        }

        if (delegates is null || delegates.Any(d => d is null || !EmailLike().IsMatch(d)))
        {
            throw new GoogleApiException(
                FailureKind.InvalidConfiguration,
                $"unable to obtain workload identity auth: annotation {DelegatesAnnotation} on ServiceAccount {pod.Namespace}/{pod.ServiceAccountName} is not a JSON array of service account emails");
        }

        return delegates;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailLike();
}
