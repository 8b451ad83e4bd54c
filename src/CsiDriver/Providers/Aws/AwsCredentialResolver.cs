using CsiDriver.Http;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Credentials of the pod, never of the driver: static keys from <c>nodePublishSecretRef</c>
/// (development), EKS Pod Identity (<c>usePodIdentity</c>), or IRSA (the ServiceAccount's
/// <c>eks.amazonaws.com/role-arn</c> assumed with the pod's <c>sts.amazonaws.com</c> token).
/// Temporary credentials are cached per pod until shortly before they expire; in a rotation pass, per service
/// account (see <see cref="CachedAsync"/>).
/// </summary>
internal sealed class AwsCredentialResolver(AwsProviderOptions options, IServiceAccountLookup serviceAccounts, StsClient sts, PodIdentityAgentClient podIdentity, AwsEndpoints endpoints, TimeProvider time, ILogger logger)
{
    public const string RoleArnAnnotation = "eks.amazonaws.com/role-arn";
    public const string IrsaAudience = "sts.amazonaws.com";
    public const string PodIdentityAudience = "pods.eks.amazonaws.com";

    /// <summary>nodePublishSecretRef keys for static credentials (camelCase, or the AWS environment names).</summary>
    public static readonly string[] AccessKeyIdKeys = ["awsAccessKeyId", "AWS_ACCESS_KEY_ID"];
    public static readonly string[] SecretAccessKeyKeys = ["awsSecretAccessKey", "AWS_SECRET_ACCESS_KEY"];
    public static readonly string[] SessionTokenKeys = ["awsSessionToken", "AWS_SESSION_TOKEN"];

    // One entry per pod and one per principal: room for several thousand volumes on a node.
    private const int MaxCachedCredentials = 4096;

    private readonly TokenCache<string, AwsCredentials> _cache = new(time, _ => options.CredentialRefreshMargin, MaxCachedCredentials);
    private readonly byte[] _digestKey = RandomNumberGenerator.GetBytes(32);

    public async Task<AwsIdentity> ResolveAsync(
        ProviderRequest request, bool usePodIdentity, string preferredAddressType, IReadOnlyList<string> regions, Func<string, SecretStoreException> invalid, CancellationToken cancellationToken)
    {
        var pod = request.Pod;
        var scope = request.FetchScope;
        if (Find(request.Secrets, AccessKeyIdKeys) is { } keyId)
        {
            var secret = Find(request.Secrets, SecretAccessKeyKeys)
                ?? throw invalid($"nodePublishSecretRef has {AccessKeyIdKeys[0]} but no {SecretAccessKeyKeys[0]}");
            var sessionToken = Find(request.Secrets, SessionTokenKeys);
            return new AwsIdentity($"static:{keyId}", $"static:{keyId}:{KeyDigest(secret, sessionToken)}", new AwsCredentials(keyId, secret, sessionToken, null));
        }

        if (!pod.Tokens.Audiences.Any())
        {
            throw invalid("CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver spec");
        }

        string PodToken(string method, string audience) => pod.Tokens.TryGet(audience, out var token)
            ? token.Token
            : throw invalid($"{method} token extraction failed: token for audience \"{audience}\" not found - ensure tokenRequests in the CSIDriver spec includes audience \"{audience}\"");

        if (usePodIdentity)
        {
            var podToken = PodToken("Pod Identity", PodIdentityAudience);

            // The agent maps (namespace, service account) to a role: that is the identity.
            var principal = $"pod-identity:{pod.Namespace}/{pod.ServiceAccountName}";
            var credentials = await CachedAsync($"{principal}|{pod.Uid}", principal, scope, pod, async ct =>
            {
                var fresh = await podIdentity.GetCredentialsAsync(preferredAddressType, podToken, ct).ConfigureAwait(false);
                AwsLog.PodIdentityCredentials(logger, pod.Namespace, pod.Name, fresh.Expiration);
                return fresh;
            }, cancellationToken).ConfigureAwait(false);
            return new AwsIdentity(principal, principal, credentials);
        }

        var token = PodToken("IRSA", IrsaAudience);
        var annotations = await AnnotationsAsync(pod, scope, cancellationToken).ConfigureAwait(false);
        if (!annotations.TryGetValue(RoleArnAnnotation, out var roleArn) || string.IsNullOrWhiteSpace(roleArn))
        {
            throw invalid($"An IAM role must be associated with service account {pod.ServiceAccountName} (namespace: {pod.Namespace})");
        }

        roleArn = roleArn.Trim();

        // STS decides per service account whether it may assume the role (the trust policy names the token's
        // subject), so credentials are shared per (role, service account); once assumed, AWS authorises the role,
        // so reads are shared per role.
        var assumer = $"irsa:{roleArn}|{pod.Namespace}/{pod.ServiceAccountName}";
        var assumed = await CachedAsync($"{assumer}/{pod.Uid}", assumer, scope, pod, ct => AssumeRoleAsync(roleArn, token, pod, regions, ct), cancellationToken).ConfigureAwait(false);
        return new AwsIdentity($"irsa:{roleArn}", $"irsa:{roleArn}", assumed);
    }

    private async Task<IReadOnlyDictionary<string, string>> AnnotationsAsync(PodIdentity pod, IFetchScope? scope, CancellationToken cancellationToken)
    {
        if (scope is null)
        {
            return await serviceAccounts.GetAnnotationsAsync(pod.Namespace, pod.ServiceAccountName, cancellationToken).ConfigureAwait(false);
        }

        // Read as the driver, so one read serves every pod of the service account in the pass; a failure is shared
        // too, and each pod gets its own exception of it.
        try
        {
            return await scope.GetOrAddAsync(
                new FetchKey("aws", "driver", $"serviceaccount|{pod.Namespace}|{pod.ServiceAccountName}"),
                ct => serviceAccounts.GetAnnotationsAsync(pod.Namespace, pod.ServiceAccountName, ct)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException ex)
        {
            throw new SecretStoreException(ex.Kind, ex.Message, ex) { Reason = ex.Reason };
        }
    }

    private async Task<AwsCredentials> AssumeRoleAsync(string roleArn, string token, PodIdentity pod, IReadOnlyList<string> regions, CancellationToken cancellationToken)
    {
        // Same session name as the upstream plugin (the Go SDK default): Unix time in nanoseconds.
        var sessionName = ((time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100).ToString(CultureInfo.InvariantCulture);
        for (var i = 0; ; i++)
        {
            try
            {
                var credentials = await sts.AssumeRoleWithWebIdentityAsync(endpoints.Sts(regions[i]), roleArn, sessionName, token, cancellationToken).ConfigureAwait(false);
                AwsLog.RoleAssumed(logger, roleArn, pod.Namespace, pod.Name, regions[i], credentials.Expiration);
                return credentials;
            }
            catch (AwsServiceException ex) when (i + 1 < regions.Count && !ex.IsClientFault)
            {
                // The primary region's STS is down: the failover region's STS issues the same credentials.
                AwsLog.FailingOver(logger, "STS", regions[i], ex.ErrorCode, regions[i + 1]);
            }
        }
    }

    /// <summary>
    /// The pod's own credentials while fresh (one fetch in flight per pod). A first publish gets credentials with
    /// its own token: it is the service's decision, not ours, whether a new pod may have them. In a rotation pass
    /// (<paramref name="scope"/> set) every pod already proved itself that way, so a pod whose credentials went
    /// stale takes the fresh ones another pod of the same <paramref name="sharedKey"/> obtained, or obtains them
    /// once for all of them.
    /// </summary>
    private Task<AwsCredentials> CachedAsync(
        string podKey, string sharedKey, IFetchScope? scope, PodIdentity pod, Func<CancellationToken, Task<AwsCredentials>> fetch, CancellationToken cancellationToken) =>
        _cache.GetOrCreateAsync(podKey, async ct =>
        {
            AwsCredentials fresh;
            if (scope is null)
            {
                fresh = await fetch(ct).ConfigureAwait(false);
            }
            else if (_cache.TryGet(sharedKey, out var shared))
            {
                AwsLog.CredentialsShared(logger, sharedKey, pod.Namespace, pod.Name);
                fresh = shared;
            }
            else
            {
                fresh = await scope.GetOrAddAsync(new FetchKey("aws", sharedKey, "credentials"), fetch).WaitAsync(ct).ConfigureAwait(false);
            }

            var lifetime = Lifetime(fresh);
            _cache.Add(sharedKey, fresh, lifetime);
            return (fresh, lifetime);
        }, cancellationToken);

    /// <summary>Until the expiry AWS gave; credentials without one are not kept.</summary>
    private TimeSpan Lifetime(AwsCredentials credentials) =>
        credentials.Expiration is { } expires ? expires - time.GetUtcNow() : TimeSpan.Zero;

    /// <summary>Tells static key pairs with the same key id apart; keyed per process, so it says nothing about the key outside it.</summary>
    private string KeyDigest(string secretAccessKey, string? sessionToken) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_digestKey, Encoding.UTF8.GetBytes(secretAccessKey + "\n" + sessionToken)))[..32];

    private static string? Find(IReadOnlyDictionary<string, string> secrets, string[] keys) =>
        keys.Select(key => secrets.GetValueOrDefault(key)).FirstOrDefault(value => !string.IsNullOrWhiteSpace(value))?.Trim();
}
