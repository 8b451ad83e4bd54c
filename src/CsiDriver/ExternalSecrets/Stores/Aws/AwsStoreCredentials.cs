using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Http;
using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>Who an aws store reads as (never a credential), and how to get that principal's current credentials.</summary>
internal sealed record AwsStorePrincipal(string Description, Func<CancellationToken, Task<AwsCredentials>> Credentials)
{
    public override string ToString() => Description;
}

/// <summary>
/// Resolves an aws store's base credentials (<c>auth.secretRef</c>, <c>auth.jwt</c> or the controller's own) and the
/// <c>role</c> assumed on top of them. Temporary credentials are cached per principal (one STS call in flight per
/// principal, refreshed before they expire), so many ExternalSecrets of one store share them.
/// </summary>
internal sealed class AwsStoreCredentials(StoreReferenceReader references, ServiceAccountAnnotationReader accounts, StsClient sts, PodIdentityAgentClient podIdentity, AwsEndpoints endpoints, AwsControllerIdentity controller, AwsProviderOptions options, TimeProvider time)
{
    public const string RoleArnAnnotation = "eks.amazonaws.com/role-arn";
    public const string AudienceAnnotation = "eks.amazonaws.com/audience";
    public const string DefaultAudience = "sts.amazonaws.com";
    private const long TokenSeconds = 600;
    private const string SessionName = "csi-secrets-store-controller";

    private readonly TokenCache<string, AwsCredentials> _cache = new TokenCache<string, AwsCredentials>(time, _ => options.CredentialRefreshMargin);
    private readonly byte[] _digestKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>Reads what the auth references (Secrets, the service account's annotations); makes no AWS call.</summary>
    public async Task<AwsStorePrincipal> ResolveAsync(StoreContext store, AwsStoreConfig config, CancellationToken cancellationToken)
    {
        var principal = config.Auth switch
        {
            AwsSecretRefAuth keys => await StaticAsync(store, keys, cancellationToken).ConfigureAwait(false),
            AwsJwtAuth jwt => await WebIdentityAsync(store, config, jwt, cancellationToken).ConfigureAwait(false),
            _ => Controller(store, config),
        };

        if (config.Role is not { } role)
        {
            return principal;
        }

        var description = $"{principal.Description} then role {role}";
        return new AwsStorePrincipal(description, ct => CachedAsync(description, async inner =>
        {
            var caller = await principal.Credentials(inner).ConfigureAwait(false);
            return await sts.AssumeRoleAsync(endpoints.Sts(config.Region), caller, role, SessionName, time, inner).ConfigureAwait(false);
        }, ct));
    }

    private async Task<AwsStorePrincipal> StaticAsync(StoreContext store, AwsSecretRefAuth keys, CancellationToken cancellationToken)
    {
        var keyId = await references.ReadTextAsync(store, keys.AccessKeyId, cancellationToken).ConfigureAwait(false);
        var secret = await references.ReadTextAsync(store, keys.SecretAccessKey, cancellationToken).ConfigureAwait(false);
        var token = keys.SessionToken is null ? null : await references.ReadTextAsync(store, keys.SessionToken, cancellationToken).ConfigureAwait(false);
        var credentials = new AwsCredentials(keyId, secret, token, null);

        // Two Secrets holding different keys under one key id must never share reads: the digest tells them apart, and is
        // keyed per process so it says nothing about the key outside it.
        var digest = Convert.ToHexStringLower(HMACSHA256.HashData(_digestKey, Encoding.UTF8.GetBytes(secret + "\n" + token)))[..16];
        return new AwsStorePrincipal($"key {keyId} ({digest})", _ => Task.FromResult(credentials));
    }

    private async Task<AwsStorePrincipal> WebIdentityAsync(StoreContext store, AwsStoreConfig config, AwsJwtAuth jwt, CancellationToken cancellationToken)
    {
        var account = jwt.ServiceAccount;
        var ns = StoreReferenceReader.NamespaceFor(store, account.Namespace, account.Field);
        var annotations = await accounts.ReadAsync(store, account, cancellationToken).ConfigureAwait(false);
        if (!annotations.TryGetValue(RoleArnAnnotation, out var roleArn) || string.IsNullOrWhiteSpace(roleArn))
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {account.Field}: ServiceAccount {ns}/{account.Name} has no {RoleArnAnnotation} annotation") { Reason = "InvalidProviderConfig" };
        }

        roleArn = roleArn.Trim();
        var audience = annotations.TryGetValue(AudienceAnnotation, out var annotated) && !string.IsNullOrWhiteSpace(annotated) ? annotated.Trim() : DefaultAudience;
        var withAudiences = account with { Audiences = [audience, .. account.Audiences] };

        // STS trusts per service account (the token's subject), so credentials are kept per (service account, role).
        var description = $"serviceaccount {ns}/{account.Name} as {roleArn}";
        return new AwsStorePrincipal(description, ct => CachedAsync(description, async inner =>
        {
            var token = await references.ServiceAccountTokenAsync(store, withAudiences, TokenSeconds, inner).ConfigureAwait(false);
            return await sts.AssumeRoleWithWebIdentityAsync(endpoints.Sts(config.Region), roleArn, SessionName, token, inner).ConfigureAwait(false);
        }, ct));
    }

    private AwsStorePrincipal Controller(StoreContext store, AwsStoreConfig config)
    {
        var self = controller;
        if (self.AccessKeyId is not null && self.SecretAccessKey is not null)
        {
            var credentials = new AwsCredentials(self.AccessKeyId, self.SecretAccessKey, self.SessionToken, null);
            return new AwsStorePrincipal(self.ToString(), _ => Task.FromResult(credentials));
        }

        if (self.WebIdentityTokenFile is { } tokenFile && self.RoleArn is { } roleArn)
        {
            return new AwsStorePrincipal(self.ToString(), ct => CachedAsync(self.ToString(), async inner =>
            {
                var token = await ReadTokenFileAsync(store, tokenFile, inner).ConfigureAwait(false);
                return await sts.AssumeRoleWithWebIdentityAsync(endpoints.Sts(config.Region), roleArn, SessionName, token, inner).ConfigureAwait(false);
            }, ct));
        }

        if (self.PodIdentity && self.PodIdentityTokenFile is { } podTokenFile)
        {
            return new AwsStorePrincipal(self.ToString(), ct => CachedAsync(self.ToString(), async inner =>
            {
                var token = await ReadTokenFileAsync(store, podTokenFile, inner).ConfigureAwait(false);
                return await podIdentity.GetCredentialsAsync("auto", token, inner).ConfigureAwait(false);
            }, ct));
        }

        throw new SecretStoreException(
            FailureKind.InvalidConfiguration,
            $"{store}: spec.provider.aws.auth is not set and the controller has no AWS identity of its own (AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, or EKS Pod Identity)")
        { Reason = "InvalidProviderConfig" };
    }

    private Task<AwsCredentials> CachedAsync(string principal, Func<CancellationToken, Task<AwsCredentials>> fetch, CancellationToken cancellationToken) =>
        _cache.GetOrCreateAsync(principal, async ct =>
        {
            var credentials = await fetch(ct).ConfigureAwait(false);
            return (credentials, credentials.Expiration is { } expires ? expires - time.GetUtcNow() : (TimeSpan?)null);
        }, cancellationToken);

    private static async Task<string> ReadTokenFileAsync(StoreContext store, string path, CancellationToken cancellationToken)
    {
        try
        {
            var token = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
            return token.Length > 0 ? token : throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: the controller's token file {path} is empty");
        }
        catch (IOException ex)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: cannot read the controller's token file {path}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: cannot read the controller's token file {path}: {ex.Message}", ex);
        }
    }
}
