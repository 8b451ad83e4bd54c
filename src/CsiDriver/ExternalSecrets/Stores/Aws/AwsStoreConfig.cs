using CsiDriver.ExternalSecrets.Stores.References;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>Which AWS service an <c>aws</c> store reads (<c>spec.provider.aws.service</c>).</summary>
internal enum AwsStoreService
{
    SecretsManager,
    ParameterStore,
}

/// <summary>How an aws store gets its base credentials (eso.md section 4.5).</summary>
internal abstract record AwsStoreAuth : StoreAuth;

/// <summary>No <c>auth</c>: the controller's own identity (environment keys, IRSA or EKS Pod Identity).</summary>
internal sealed record AwsControllerAuth : AwsStoreAuth;

/// <summary><c>auth.secretRef</c>: an access key pair (and session token) from Secrets.</summary>
internal sealed record AwsSecretRefAuth(SecretKeySelector AccessKeyId, SecretKeySelector SecretAccessKey, SecretKeySelector? SessionToken) : AwsStoreAuth
{
    public override IEnumerable<SecretKeySelector> Secrets => SessionToken is null ? [AccessKeyId, SecretAccessKey] : [AccessKeyId, SecretAccessKey, SessionToken];
}

/// <summary><c>auth.jwt.serviceAccountRef</c>: the service account's token exchanged for its annotated role (IRSA).</summary>
internal sealed record AwsJwtAuth(ServiceAccountSelector ServiceAccount) : AwsStoreAuth
{
    public override IEnumerable<string?> ReferenceNamespaces => [ServiceAccount.Namespace];
}

/// <summary>An aws store's block, parsed and defaulted; holds no credential.</summary>
internal sealed partial record AwsStoreConfig(
    AwsStoreService Service, string Region, string? Role, string? Prefix, AwsStoreAuth Auth, bool ForceDeleteWithoutRecovery, long? RecoveryWindowInDays)
{
    /// <summary>Parses <c>spec.provider.aws</c>; throws an InvalidConfiguration <see cref="Publishing.SecretStoreException"/> naming the field.</summary>
    public static AwsStoreConfig Parse(StoreContext store)
    {
        var block = StoreBlock.Root(store);
        var serviceText = block.RequiredString("service");
        var service = serviceText switch
        {
            "SecretsManager" => AwsStoreService.SecretsManager,
            "ParameterStore" => AwsStoreService.ParameterStore,
            "CertificateManager" => throw block.Invalid($"{block.Path}.service CertificateManager is not supported in this mode yet"),
            _ => throw block.Invalid($"{block.Path}.service must be SecretsManager or ParameterStore, not '{serviceText}'"),
        };

        var region = block.RequiredString("region");
        if (!RegionPattern().IsMatch(region))
        {
            throw block.Invalid($"{block.Path}.region '{region}' is not an AWS region such as eu-west-1");
        }

        var role = block.String("role");
        if (role is not null && !role.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw block.Invalid($"{block.Path}.role '{role}' is not an IAM role ARN");
        }

        foreach (var unsupported in (string[])["additionalRoles", "externalID", "sessionTags", "transitiveTagKeys", "customSessionTags"])
        {
            if (block.Has(unsupported))
            {
                throw block.Invalid($"{block.Path}.{unsupported} is not supported in this mode yet");
            }
        }

        var (force, window) = ParseDeletion(block.Child("secretsManager"));
        return new AwsStoreConfig(service, region, role, block.String("prefix"), ParseAuth(block.Child("auth")), force, window);
    }

    /// <summary>The remote name of a key: the store's <c>prefix</c> in front, as the operator does.</summary>
    public string RemoteName(string key) => Prefix + key;

    private static AwsStoreAuth ParseAuth(StoreBlock auth)
    {
        if (!auth.Exists)
        {
            return new AwsControllerAuth();
        }

        var secretRef = auth.Child("secretRef");
        if (secretRef.Exists)
        {
            var keyId = secretRef.SecretKey("accessKeyIDSecretRef") ?? throw auth.Invalid($"{secretRef.Path}.accessKeyIDSecretRef is required");
            var secret = secretRef.SecretKey("secretAccessKeySecretRef") ?? throw auth.Invalid($"{secretRef.Path}.secretAccessKeySecretRef is required");
            return new AwsSecretRefAuth(keyId, secret, secretRef.SecretKey("sessionTokenSecretRef"));
        }

        var jwt = auth.Child("jwt");
        if (jwt.Exists)
        {
            var account = jwt.ServiceAccount("serviceAccountRef") ?? throw auth.Invalid($"{jwt.Path}.serviceAccountRef is required");
            return new AwsJwtAuth(account);
        }

        var named = auth.Fields.ToList();
        return named.Count == 0
            ? new AwsControllerAuth()
            : throw auth.Invalid($"{auth.Path}.{named[0]} is not supported (supported: secretRef, jwt)");
    }

    private static (bool Force, long? Window) ParseDeletion(StoreBlock block)
    {
        if (!block.Exists)
        {
            return (false, null);
        }

        var force = block.Node?["forceDeleteWithoutRecovery"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw block.Invalid($"{block.Path}.forceDeleteWithoutRecovery must be true or false"),
        };
        long? window = block.Node?["recoveryWindowInDays"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number && long.TryParse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out var days) && days is >= 7 and <= 30 => days,
            _ => throw block.Invalid($"{block.Path}.recoveryWindowInDays must be a whole number from 7 to 30"),
        };
        return force && window is not null
            ? throw block.Invalid($"{block.Path}: set forceDeleteWithoutRecovery or recoveryWindowInDays, not both")
            : (force, window);
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
