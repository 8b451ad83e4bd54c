using System.Collections.Concurrent;
using System.Globalization;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Credentials of the pod, never of the driver: static keys from <c>nodePublishSecretRef</c>
/// (development), EKS Pod Identity (<c>usePodIdentity</c>), or IRSA (the ServiceAccount's
/// <c>eks.amazonaws.com/role-arn</c> assumed with the pod's <c>sts.amazonaws.com</c> token).
/// Temporary credentials are cached per (role, pod) until shortly before they expire.
/// </summary>
internal sealed class AwsCredentialResolver
{
    public const string RoleArnAnnotation = "eks.amazonaws.com/role-arn";
    public const string IrsaAudience = "sts.amazonaws.com";
    public const string PodIdentityAudience = "pods.eks.amazonaws.com";

    /// <summary>nodePublishSecretRef keys for static credentials (camelCase, or the AWS environment names).</summary>
    public static readonly string[] AccessKeyIdKeys = ["awsAccessKeyId", "AWS_ACCESS_KEY_ID"];
    public static readonly string[] SecretAccessKeyKeys = ["awsSecretAccessKey", "AWS_SECRET_ACCESS_KEY"];
    public static readonly string[] SessionTokenKeys = ["awsSessionToken", "AWS_SESSION_TOKEN"];

    private const int MaxCachedCredentials = 4096;

    private readonly AwsProviderOptions _options;
    private readonly IServiceAccountLookup _serviceAccounts;
    private readonly StsClient _sts;
    private readonly PodIdentityAgentClient _podIdentity;
    private readonly AwsEndpoints _endpoints;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, AwsCredentials> _cache = new(StringComparer.Ordinal);

    public AwsCredentialResolver(
        AwsProviderOptions options, IServiceAccountLookup serviceAccounts, StsClient sts, PodIdentityAgentClient podIdentity, AwsEndpoints endpoints, TimeProvider time, ILogger logger)
    {
        _options = options;
        _serviceAccounts = serviceAccounts;
        _sts = sts;
        _podIdentity = podIdentity;
        _endpoints = endpoints;
        _time = time;
        _logger = logger;
    }

    public async Task<AwsIdentity> ResolveAsync(
        ProviderRequest request, bool usePodIdentity, string preferredAddressType, IReadOnlyList<string> regions, Func<string, SecretStoreException> invalid, CancellationToken cancellationToken)
    {
        var pod = request.Pod;
        if (Find(request.Secrets, AccessKeyIdKeys) is { } keyId)
        {
            var secret = Find(request.Secrets, SecretAccessKeyKeys)
                ?? throw invalid($"nodePublishSecretRef has {AccessKeyIdKeys[0]} but no {SecretAccessKeyKeys[0]}");
            return new AwsIdentity($"static:{keyId}", $"static:{keyId}|{pod.Namespace}/{pod.Uid}", new AwsCredentials(keyId, secret, Find(request.Secrets, SessionTokenKeys), null));
        }

        if (!pod.Tokens.Audiences.Any())
        {
            throw invalid("CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver spec");
        }

        if (usePodIdentity)
        {
            if (!pod.Tokens.TryGet(PodIdentityAudience, out var podToken))
            {
                throw invalid($"Pod Identity token extraction failed: token for audience \"{PodIdentityAudience}\" not found - ensure tokenRequests in the CSIDriver spec includes audience \"{PodIdentityAudience}\"");
            }

            var principal = $"pod-identity:{pod.Namespace}/{pod.ServiceAccountName}";
            var cacheKey = $"{principal}|{pod.Uid}";
            var credentials = await CachedAsync(cacheKey, async () =>
            {
                var fresh = await _podIdentity.GetCredentialsAsync(preferredAddressType, podToken.Token, cancellationToken).ConfigureAwait(false);
                AwsLog.PodIdentityCredentials(_logger, pod.Namespace, pod.Name, fresh.Expiration);
                return fresh;
            }).ConfigureAwait(false);
            return new AwsIdentity(principal, cacheKey, credentials);
        }

        if (!pod.Tokens.TryGet(IrsaAudience, out var token))
        {
            throw invalid($"IRSA token extraction failed: token for audience \"{IrsaAudience}\" not found - ensure tokenRequests in the CSIDriver spec includes audience \"{IrsaAudience}\"");
        }

        var annotations = await _serviceAccounts.GetAnnotationsAsync(pod.Namespace, pod.ServiceAccountName, cancellationToken).ConfigureAwait(false);
        if (!annotations.TryGetValue(RoleArnAnnotation, out var roleArn) || string.IsNullOrWhiteSpace(roleArn))
        {
            throw invalid($"An IAM role must be associated with service account {pod.ServiceAccountName} (namespace: {pod.Namespace})");
        }

        roleArn = roleArn.Trim();
        var irsaCacheKey = $"irsa:{roleArn}|{pod.Namespace}/{pod.ServiceAccountName}/{pod.Uid}";
        var assumed = await CachedAsync(irsaCacheKey, () => AssumeRoleAsync(roleArn, token.Token, pod, regions, cancellationToken)).ConfigureAwait(false);
        return new AwsIdentity($"irsa:{roleArn}", irsaCacheKey, assumed);
    }

    private async Task<AwsCredentials> AssumeRoleAsync(string roleArn, string token, PodIdentity pod, IReadOnlyList<string> regions, CancellationToken cancellationToken)
    {
        // Same session name as the upstream plugin (the Go SDK default): Unix time in nanoseconds.
        var sessionName = ((_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100).ToString(CultureInfo.InvariantCulture);
        for (var i = 0; ; i++)
        {
            try
            {
                var credentials = await _sts.AssumeRoleWithWebIdentityAsync(_endpoints.Sts(regions[i]), roleArn, sessionName, token, cancellationToken).ConfigureAwait(false);
                AwsLog.RoleAssumed(_logger, roleArn, pod.Namespace, pod.Name, regions[i], credentials.Expiration);
                return credentials;
            }
            catch (AwsServiceException ex) when (i + 1 < regions.Count && !ex.IsClientFault)
            {
                // The primary region's STS is down: the failover region's STS issues the same credentials.
                AwsLog.FailingOver(_logger, "STS", regions[i], ex.ErrorCode, regions[i + 1]);
            }
        }
    }

    private async Task<AwsCredentials> CachedAsync(string key, Func<Task<AwsCredentials>> fetch)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && Fresh(cached, now))
        {
            return cached;
        }

        var fresh = await fetch().ConfigureAwait(false);
        if (_cache.Count >= MaxCachedCredentials)
        {
            foreach (var (staleKey, stale) in _cache)
            {
                if (!Fresh(stale, now))
                {
                    _cache.TryRemove(staleKey, out _);
                }
            }
        }

        if (_cache.Count < MaxCachedCredentials)
        {
            _cache[key] = fresh;
        }

        return fresh;
    }

    private bool Fresh(AwsCredentials credentials, DateTimeOffset now) =>
        credentials.Expiration is { } expires && expires - _options.CredentialRefreshMargin > now;

    private static string? Find(IReadOnlyDictionary<string, string> secrets, string[] keys)
    {
        foreach (var key in keys)
        {
            if (secrets.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }
}
