using CsiDriver.Publishing;
using YamlDotNet.Core;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// The parameters of one <c>provider: azure</c> SecretProviderClass, read and validated the way
/// Azure/secrets-store-csi-driver-provider-azure does (same keys, defaults, precedence and error
/// texts), before any network call is made.
/// </summary>
internal sealed partial record AzureMountConfig(
    string KeyvaultName,
    string TenantId,
    AzureCloud Cloud,
    Uri Authority,
    AzureCredentialSpec Credential,
    IReadOnlyList<KeyVaultObjectSpec> Objects)
{
    public const string WorkloadIdentityAudience = "api://AzureADTokenExchange";


    /// <summary>The vault's own URI, <c>https://&lt;name&gt;.&lt;suffix&gt;/</c>.</summary>
    public Uri VaultUri => new($"https://{KeyvaultName}.{Cloud.KeyVaultDnsSuffix}/");

    /// <summary>
    /// Who reads, as Entra ID and Key Vault authorise it: cloud, authority, tenant and the credential's
    /// identity. Reads and tokens are shared only between mounts with the same value; it never holds a
    /// token or secret.
    /// </summary>
    public string Identity => $"{Cloud.Name}|{Authority.AbsoluteUri}|{TenantId}|{Credential.Identity}";

    public static AzureMountConfig Parse(ProviderRequest request, AzureProviderOptions options)
    {
        var a = request.Attributes;
        var description = request.Class.Description;
        var usePodIdentity = ParseBool(a, "usePodIdentity", description);
        var useVmManagedIdentity = ParseBool(a, "useVMManagedIdentity", description);
        var clientId = Get(a, "clientID");
        var keyvaultName = Get(a, "keyvaultName");
        var tenantId = Get(a, "tenantID") is { Length: > 0 } preferred ? preferred : Get(a, "tenantId");

        // The first setting the driver cannot honour. Upstream reads a usePodServiceAccountAnnotation client id from
        // the service account annotation via the Kubernetes API.
        var broken = ParseBool(a, "useAzureTokenProxy", description) ? "useAzureTokenProxy (AKS identity binding) is not supported by this driver; use workload identity (clientID) instead"
            : ParseBool(a, "usePodServiceAccountAnnotation", description) && clientId.Length == 0 ? "usePodServiceAccountAnnotation is not supported by this driver: set clientID in the SecretProviderClass"
            : keyvaultName.Length == 0 ? "keyvaultName is not set"
            : tenantId.Length == 0 ? "tenantId is not set"
            : !TenantPattern().IsMatch(tenantId) ? $"tenantId \"{tenantId}\" is not a valid Entra ID tenant (a GUID or domain name)"
            : null;
        if (broken is not null)
        {
            throw Invalid(description, broken);
        }

        var cloud = AzureCloud.Resolve(Get(a, "cloudName"), Get(a, "cloudEnvFileName"), options, description);

        var assertion = clientId.Length > 0 ? WorkloadIdentityToken(request.Pod.Tokens, description) : null;
        var credential = ChooseCredential(request, usePodIdentity, useVmManagedIdentity, Get(a, "userAssignedIdentityID"), clientId, assertion);
        var objects = ParseObjects(request);
        if (objects.Count > 0)
        {
            ValidateVaultName(keyvaultName, description);
        }

        return new AzureMountConfig(keyvaultName, tenantId, cloud, options.AuthorityHostOverride ?? cloud.AuthorityHost, credential, objects);
    }

    private static string WorkloadIdentityToken(ServiceAccountTokens tokens, string description)
    {
        var token = tokens.TryGet(WorkloadIdentityAudience, out var found) ? found.Token : string.Empty;
        var missing = !tokens.Audiences.Any() ? "service account tokens not found (the CSIDriver object needs tokenRequests with audience api://AzureADTokenExchange)"
            : token.Length == 0 ? $"token for audience {WorkloadIdentityAudience} not found"
            : null;
        return missing is null ? token : throw Invalid(description, $"failed to parse workload identity tokens, error: {missing}", FailureKind.PermissionDenied);
    }

    /// <summary>Upstream's auth.NewConfig + GetCredential precedence: pod identity, VM identity, client secret, workload identity.</summary>
    private static AzureCredentialSpec ChooseCredential(ProviderRequest request, bool usePodIdentity, bool useVmManagedIdentity, string userAssignedIdentityId, string clientId, string? assertion)
    {
        var pod = request.Pod;
        return usePodIdentity && useVmManagedIdentity
            ? throw Invalid(request.Class.Description, "failed to create auth config, error: cannot enable both pod identity and user-assigned managed identity")
            : usePodIdentity ? new PodIdentityCredential(pod.Namespace, pod.Name)
            : useVmManagedIdentity ? new ManagedIdentityCredential(userAssignedIdentityId.Length > 0 ? userAssignedIdentityId : null)
            : assertion is not null ? new WorkloadIdentityCredential(clientId, assertion, pod.ServiceAccountName is { Length: > 0 } sa ? $"{pod.Namespace}/{sa}" : null)
            : request.Secrets.Count == 0
                ? throw Invalid(request.Class.Description, "failed to create auth config, error: failed to get credentials, nodePublishSecretRef secret is not set", FailureKind.PermissionDenied)
            : new ClientSecretCredential(SecretValue(request, "clientid"), SecretValue(request, "clientsecret"));
    }

    /// <summary>A nodePublishSecretRef value; upstream matches the key names case-insensitively, a repeated one counting as its last.</summary>
    private static string SecretValue(ProviderRequest request, string key)
    {
        var value = request.Secrets.LastOrDefault(s => s.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value;
        if (string.IsNullOrEmpty(value))
        {
            // Upstream prints the whole secrets map here; only the key names are safe to show.
            var keys = string.Join(", ", request.Secrets.Keys.Order(StringComparer.Ordinal));
            throw Invalid(request.Class.Description, $"failed to create auth config, error: could not find {key} in nodePublishSecretRef secret (keys: {keys})", FailureKind.PermissionDenied);
        }

        return value;
    }

    private static IReadOnlyList<KeyVaultObjectSpec> ParseObjects(ProviderRequest request)
    {
        var description = request.Class.Description;
        var text = Get(request.Attributes, "objects") is { Length: > 0 } objects ? objects : throw Invalid(description, "objects is not set");
        return ParsedParameters.GetOrParse<IReadOnlyList<KeyVaultObjectSpec>>(text, string.Empty, () => ParseObjects(text, request));
    }

    private static List<KeyVaultObjectSpec> ParseObjects(string text, ProviderRequest request)
    {
        var description = request.Class.Description;
        var array = ProviderParameters.ParseYaml(
            text,
            AzureObjectsJsonContext.Default.StringArray,
            where => Invalid(description, $"failed to yaml unmarshal objects, error: not an 'array:' list of strings ({where})"));

        var result = new List<KeyVaultObjectSpec>();
        var items = array?.Array ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            RawObject? raw;
            try
            {
                raw = ProviderParameters.ParseYaml(items[i] ?? string.Empty, AzureObjectsJsonContext.Default.RawObject);
            }
            catch (YamlException ex)
            {
                throw Invalid(description, $"unmarshal failed for keyVaultObjects at index {i}, error: line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.GetType().Name ?? "invalid YAML"}");
            }
            catch (JsonException ex)
            {
                throw Invalid(description, $"unmarshal failed for keyVaultObjects at index {i}, error: wrong type at {ex.Path ?? "$"}");
            }

            result.Add(KeyVaultObjectSpec.From(raw ?? new RawObject(), request));
        }

        return result;
    }

    private static void ValidateVaultName(string name, string description)
    {
        var rule = name.Length is < 3 or > 24 ? "be between 3 and 24 chars" : !VaultNamePattern().IsMatch(name) ? "match [-a-zA-Z0-9]{3,24}" : null;
        if (rule is not null)
        {
            throw Invalid(description, $"failed to get vault: Invalid vault name: \"{name}\", must {rule}");
        }
    }

    /// <summary>Go's strconv.ParseBool, empty meaning false.</summary>
    private static bool ParseBool(IReadOnlyDictionary<string, string> attributes, string key, string description)
    {
        var value = Get(attributes, key);
        return value.Length > 0 && (Spec.GoStrconv.ParseBool(value) ?? throw Invalid(description, $"failed to parse {key} flag, error: strconv.ParseBool: parsing \"{value}\": invalid syntax"));
    }

    private static string Get(IReadOnlyDictionary<string, string> attributes, string key) =>
        attributes.TryGetValue(key, out var value) ? value.Trim() : string.Empty;

    internal static SecretStoreException Invalid(string description, string detail, FailureKind kind = FailureKind.InvalidConfiguration) =>
        new(kind, $"SecretProviderClass {description}: failed to mount objects, error: {detail}");

    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z.-]{0,255}$")]
    private static partial Regex TenantPattern();

    [GeneratedRegex("^[-A-Za-z0-9]+$")]
    private static partial Regex VaultNamePattern();

    /// <summary>The <c>objects</c> parameter: <c>array:</c> of YAML strings.</summary>
    internal sealed record StringArray(List<string?>? Array = null);
}

/// <summary>Source-generated readers of the <c>objects</c> parameter (numbers may be written as YAML scalars).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(AzureMountConfig.StringArray))]
[JsonSerializable(typeof(RawObject))]
internal sealed partial class AzureObjectsJsonContext : JsonSerializerContext;

/// <summary>How the provider authenticates to Entra ID for one mount. ToString never shows credentials.</summary>
/// <param name="Mode">A short name for logs and errors.</param>
internal abstract record AzureCredentialSpec(string Mode)
{
    /// <summary>The principal Entra ID issues tokens for, plus what proves it; never the credential itself.</summary>
    public abstract string Identity { get; }

    /// <summary>A SHA-256 of credential material, so identities can tell credentials apart without holding them.</summary>
    protected static string Hash(string material) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
}

/// <summary>
/// Workload identity: the pod's projected token as a client assertion for <see cref="ClientId"/>.
/// <see cref="ServiceAccount"/> (<c>namespace/name</c>) is the token's subject, which is what the federated
/// credential trusts, so pods of one service account share tokens and reads; without it only this token does.
/// </summary>
internal sealed record WorkloadIdentityCredential(string ClientId, string Assertion, string? ServiceAccount = null) : AzureCredentialSpec("workload identity")
{
    public override string Identity => $"wi:{ClientId}:{(ServiceAccount is { } sa ? "sa:" + sa : "token:" + Hash(Assertion))}";

    public override string ToString() => $"workload identity (client {ClientId})";
}

/// <summary>
/// Service principal from nodePublishSecretRef (<c>clientid</c>/<c>clientsecret</c>). The identity includes
/// a hash of the secret: anyone can name a client id, only the secret proves it.
/// </summary>
internal sealed record ClientSecretCredential(string ClientId, string Secret) : AzureCredentialSpec("service principal")
{
    public override string Identity => $"sp:{ClientId}:{Hash(Secret)}";

    public override string ToString() => $"service principal (client {ClientId})";
}

/// <summary>The node's managed identity via IMDS; user-assigned when <see cref="ClientId"/> is set.</summary>
internal sealed record ManagedIdentityCredential(string? ClientId) : AzureCredentialSpec("VM managed identity")
{
    public override string Identity => $"mi:{ClientId ?? "system"}";
}

/// <summary>Deprecated aad-pod-identity: NMI returns a token for the pod named in headers.</summary>
internal sealed record PodIdentityCredential(string PodNamespace, string PodName) : AzureCredentialSpec("pod identity (NMI)")
{
    public override string Identity => $"nmi:{PodNamespace}/{PodName}";
}
