using CsiDriver.Templating.Functions;
using CsiDriver.ExternalSecrets.Stores.References;
using CsiDriver.Providers.Vault;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Vault;

/// <summary>
/// Reads KV values for one vault store and ExternalSecret namespace through the Vault provider's <see cref="VaultClient"/>.
/// Logs in at the first read (tokens shared per identity by <see cref="VaultStoreLogins"/>), and once more when Vault
/// refuses a cached token. Errors name the store and the key; tokens, JWTs and secret ids are cut out of every message.
/// </summary>
internal sealed partial class VaultStoreClient : IStoreClient
{
    private readonly StoreContext _store;
    private readonly VaultStoreConfig _config;
    private readonly VaultClient _client;
    private readonly VaultClient _loginClient;
    private readonly VaultStoreLogins _logins;
    private readonly StoreReferenceReader _references;
    private readonly ILogger _logger;
    private readonly VaultAuthKey? _authKey;
    private readonly List<string> _sensitive = [];
    private string? _staticToken;

    public VaultStoreClient(
        StoreContext store, VaultStoreConfig config, VaultClient client, VaultClient loginClient, VaultStoreLogins logins, StoreReferenceReader references, string tlsIdentity, ILogger logger)
    {
        _store = store;
        _config = config;
        _client = client;
        _loginClient = loginClient;
        _logins = logins;
        _references = references;
        _logger = logger;
        var (principal, authKey) = Describe(store, config);
        _authKey = authKey;
        Principal = principal;
        Identity = $"vault {config.Server}{(config.Namespace is null ? string.Empty : " namespace " + config.Namespace)} kv {config.MountPath ?? "-"} {(config.KvV2 ? "v2" : "v1")} as {principal}; tls {tlsIdentity}";
    }

    public string Identity { get; }

    /// <summary>Who logs in, for messages: auth mount, role, and the service account or Secret (never a credential).</summary>
    public string Principal { get; }

    public async Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        var data = await ReadAsync(remoteRef, cancellationToken).ConfigureAwait(false);
        if (remoteRef.Property is not { Length: > 0 } property)
        {
            return GoJson.Serialize(data);
        }

        if (data.TryGetProperty(property, out var exact))
        {
            return ToBytes(exact);
        }

        return GjsonPath.TryGet(data, property, out var found)
            ? ToBytes(found)
            : throw new SecretStoreException(FailureKind.NotFound, $"{_store}: property \"{property}\" does not exist in Vault secret \"{remoteRef.Key}\"");
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        JsonElement map;
        if (remoteRef.Property is { Length: > 0 })
        {
            var value = await GetSecretAsync(remoteRef, cancellationToken).ConfigureAwait(false);
            try
            {
                using var document = JsonDocument.Parse(value);
                map = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                map = default;
            }
        }
        else
        {
            map = await ReadAsync(remoteRef, cancellationToken).ConfigureAwait(false);
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: Vault secret \"{remoteRef}\" is not a JSON object, so it cannot be split into keys");
        }

        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var field in map.EnumerateObject())
        {
            result[field.Name] = ToBytes(field.Value);
        }

        return result;
    }

    public override string ToString() => Identity;

    /// <summary>A string unquoted; anything else as Go's encoding/json writes it (the operator's output).</summary>
    private static byte[] ToBytes(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(value.GetString() ?? string.Empty) : GoJson.Serialize(value);

    /// <summary>The KV data object (v2: <c>data.data</c>; v1: <c>data</c>), or with <c>metadataPolicy: Fetch</c> the v2 metadata.</summary>
    private async Task<JsonElement> ReadAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        if (remoteRef.FetchMetadata)
        {
            return await ReadMetadataAsync(remoteRef, cancellationToken).ConfigureAwait(false);
        }

        var path = VaultKvPath.Data(_config.MountPath, remoteRef.Key, _config.KvV2);
        if (_config.KvV2 && remoteRef.Version is { Length: > 0 } version)
        {
            path += "?version=" + Uri.EscapeDataString(version);
        }

        var response = await CallAsync(remoteRef, path, cancellationToken).ConfigureAwait(false);
        var data = response.Data;
        if (_config.KvV2 && data is { ValueKind: JsonValueKind.Object } v2)
        {
            data = v2.TryGetProperty("data", out var inner) && inner.ValueKind != JsonValueKind.Null ? inner : null;
        }

        return data switch
        {
            null => throw NotFound(remoteRef),
            { ValueKind: JsonValueKind.Object } map => map,
            _ => throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: Vault secret \"{remoteRef.Key}\" holds no key/value data (is the store's version right?)"),
        };
    }

    /// <summary>KV v2 metadata: <c>custom_metadata</c>, plus <c>created_time</c>, <c>current_version</c> and <c>delete_version_after</c>.</summary>
    private async Task<JsonElement> ReadMetadataAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        if (!_config.KvV2)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: metadataPolicy Fetch needs a KV v2 store");
        }

        var response = await CallAsync(remoteRef, VaultKvPath.Metadata(_config.MountPath, remoteRef.Key), cancellationToken).ConfigureAwait(false);
        if (response.Data is not { ValueKind: JsonValueKind.Object } metadata)
        {
            throw NotFound(remoteRef);
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata.TryGetProperty("custom_metadata", out var custom) && custom.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in custom.EnumerateObject())
                {
                    field.WriteTo(writer);
                }
            }

            foreach (var name in (string[])["created_time", "current_version", "delete_version_after"])
            {
                if (metadata.TryGetProperty(name, out var value))
                {
                    writer.WritePropertyName(name);
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private SecretStoreException NotFound(RemoteRef remoteRef) =>
        new(FailureKind.NotFound, $"{_store}: Vault secret \"{remoteRef.Key}\"{(remoteRef.Version is { Length: > 0 } v ? $" version {v}" : string.Empty)} not found");

    /// <summary>One read with a token; when Vault refuses a cached login token, logs in again once and retries.</summary>
    private Task<VaultResponse> CallAsync(RemoteRef remoteRef, string path, CancellationToken cancellationToken) =>
        CallAsync(remoteRef, new VaultRequestKey(path, "GET", null), cancellationToken);

    private Task<VaultResponse> CallAsync(RemoteRef remoteRef, VaultRequestKey request, CancellationToken cancellationToken) =>
        SendAsync(request, $"cannot read \"{remoteRef.Key}\" from Vault", "VaultReadFailed", () => NotFound(remoteRef), cancellationToken);

    /// <summary>
    /// One call with a token; when Vault refuses a cached login token, logs in again once and retries. A 404 is
    /// <paramref name="notFound"/>'s exception when given; any other Vault failure says <paramref name="failure"/>, where
    /// and as whom, with every token redacted.
    /// </summary>
    private async Task<VaultResponse> SendAsync(VaultRequestKey request, string failure, string reason, Func<SecretStoreException>? notFound, CancellationToken cancellationToken)
    {
        var (token, fromCache) = await TokenAsync(refused: null, cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                return await _client.ReadAsync(request, token?.Token ?? _staticToken!, cancellationToken).ConfigureAwait(false);
            }
            catch (VaultApiException ex) when (ex.StatusCode == 403 && fromCache && token is not null && _authKey is not null)
            {
                var stale = token;
                _logins.Invalidate(_authKey, stale);
                StoreLog.Relogin(_logger, Principal, _store.ToString());
                var (fresh, _) = await TokenAsync(refused: stale.Token, cancellationToken).ConfigureAwait(false);
                token = fresh;
                return await _client.ReadAsync(request, fresh!.Token, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (VaultApiException ex) when (ex.StatusCode == 404 && notFound is not null)
        {
            throw notFound();
        }
        catch (VaultApiException ex)
        {
            var message = $"{_store}: {failure} at {Where()} as {Principal}: {ex.Message}";
            throw new SecretStoreException(VaultErrors.KindOf(ex), VaultErrors.Redact(message, Sensitive(token)), ex) { Reason = reason };
        }
    }

    private IEnumerable<string> Sensitive(CachedVaultToken? token)
    {
        lock (_sensitive)
        {
            return [.. _sensitive, .. new[] { token?.Token, _staticToken }.OfType<string>()];
        }
    }

    /// <summary>The login token (null with a static token or no auth, which <see cref="_staticToken"/> then holds).</summary>
    private async Task<(CachedVaultToken? Token, bool FromCache)> TokenAsync(string? refused, CancellationToken cancellationToken)
    {
        switch (_config.Auth)
        {
            case VaultTokenAuth tokenAuth:
                _staticToken ??= await _references.ReadTextAsync(_store, tokenAuth.Token, cancellationToken).ConfigureAwait(false);
                Remember(_staticToken);
                return (null, false);
            case VaultNoAuth:
                _staticToken = string.Empty;
                return (null, false);
            default:
                return await _logins.GetAsync(_authKey!, refused, LoginAsync, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(string Token, long TtlSeconds)> LoginAsync(CancellationToken cancellationToken)
    {
        var credentials = new List<string>();
        try
        {
            (string Token, long TtlSeconds) result;
            switch (_config.Auth)
            {
                case VaultAppRoleAuth appRole:
                {
                    var roleId = appRole.RoleId ?? await _references.ReadTextAsync(_store, appRole.RoleRef!, cancellationToken).ConfigureAwait(false);
                    var secretId = await _references.ReadTextAsync(_store, appRole.SecretId, cancellationToken).ConfigureAwait(false);
                    credentials.Add(secretId);
                    result = await _loginClient.AppRoleLoginAsync(appRole.Path, roleId, secretId, cancellationToken).ConfigureAwait(false);
                    break;
                }

                case VaultKubernetesAuth kubernetes:
                {
                    var jwt = await KubernetesJwtAsync(kubernetes, cancellationToken).ConfigureAwait(false);
                    credentials.Add(jwt);
                    result = await _loginClient.LoginAsync(kubernetes.MountPath, kubernetes.Role, jwt, cancellationToken).ConfigureAwait(false);
                    break;
                }

                case VaultJwtAuth jwtAuth:
                {
                    var jwt = jwtAuth.ServiceAccount is { } account
                        ? await _references.ServiceAccountTokenAsync(_store, account, jwtAuth.TokenSeconds, cancellationToken).ConfigureAwait(false)
                        : await _references.ReadTextAsync(_store, jwtAuth.JwtSecret!, cancellationToken).ConfigureAwait(false);
                    credentials.Add(jwt);
                    result = await _loginClient.LoginAsync(jwtAuth.Path, jwtAuth.Role, jwt, cancellationToken).ConfigureAwait(false);
                    break;
                }

                default:
                    throw new InvalidOperationException($"no login for {_config.Auth.GetType().Name}");
            }

            StoreLog.LoggedIn(_logger, Principal, _store.ToString(), result.TtlSeconds);
            Remember(result.Token);
            return result;
        }
        catch (VaultApiException ex)
        {
            var kind = ex.StatusCode is 400 or 401 or 403 ? FailureKind.PermissionDenied : VaultErrors.KindOf(ex);
            var message = $"{_store}: Vault login failed at {Where()} as {Principal}: {ex.Message}";
            throw new SecretStoreException(kind, VaultErrors.Redact(message, credentials), ex) { Reason = "VaultLoginFailed" };
        }
    }

    private async Task<string> KubernetesJwtAsync(VaultKubernetesAuth auth, CancellationToken cancellationToken)
    {
        if (auth.ServiceAccount is { } account)
        {
            return await _references.ServiceAccountTokenAsync(_store, account, VaultKubernetesAuth.TokenSeconds, cancellationToken).ConfigureAwait(false);
        }

        if (auth.JwtSecret is { } secret)
        {
            return await _references.ReadTextAsync(_store, secret, cancellationToken).ConfigureAwait(false);
        }

        var file = Path.Combine(CsiDriver.Kubernetes.InClusterConfig.DefaultServiceAccountDirectory, "token");
        try
        {
            return (await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: auth.kubernetes names neither serviceAccountRef nor secretRef, and the controller's own token {file} cannot be read") { Reason = "InvalidProviderConfig" };
        }
    }

    private void Remember(string value)
    {
        lock (_sensitive)
        {
            if (value.Length > 0 && !_sensitive.Contains(value))
            {
                _sensitive.Add(value);
            }
        }
    }

    private string Where() =>
        _config.Server.ToString().TrimEnd('/') + (_config.Namespace is null ? string.Empty : $" (namespace \"{_config.Namespace}\")");

    /// <summary>Who logs in, for identities and messages, and the key its token is cached under (null when there is no login).</summary>
    private static (string Principal, VaultAuthKey? Key) Describe(StoreContext store, VaultStoreConfig config)
    {
        var address = config.Server.ToString();
        switch (config.Auth)
        {
            case VaultTokenAuth token:
            {
                var ns = StoreReferenceReader.NamespaceFor(store, token.Token.Namespace, token.Token.Field);
                return ($"token Secret {ns}/{token.Token.Name} key {token.Token.Key}", null);
            }

            case VaultAppRoleAuth appRole:
            {
                var ns = StoreReferenceReader.NamespaceFor(store, appRole.SecretId.Namespace, appRole.SecretId.Field);
                var role = appRole.RoleId ?? $"from Secret {StoreReferenceReader.NamespaceFor(store, appRole.RoleRef!.Namespace, appRole.RoleRef.Field)}/{appRole.RoleRef.Name} key {appRole.RoleRef.Key}";
                var who = $"Secret {ns}/{appRole.SecretId.Name} key {appRole.SecretId.Key}";
                return ($"auth mount \"{appRole.Path}\" role id {role} with secret id {who}", new VaultAuthKey(address, config.AuthNamespace, appRole.Path, role, ns, who, string.Empty));
            }

            case VaultKubernetesAuth kubernetes when kubernetes.ServiceAccount is { } account:
            {
                var key = StoreReferenceReader.TokenKey(store, account, VaultKubernetesAuth.TokenSeconds);
                return ($"auth mount \"{kubernetes.MountPath}\" role \"{kubernetes.Role}\" as ServiceAccount {key.Namespace}/{key.ServiceAccount} (audiences [{key.Audiences}])",
                    new VaultAuthKey(address, config.AuthNamespace, kubernetes.MountPath, kubernetes.Role, key.Namespace, "serviceaccount " + key.ServiceAccount, key.Audiences));
            }

            case VaultKubernetesAuth kubernetes when kubernetes.JwtSecret is { } secret:
            {
                var ns = StoreReferenceReader.NamespaceFor(store, secret.Namespace, secret.Field);
                var who = $"Secret {ns}/{secret.Name} key {secret.Key}";
                return ($"auth mount \"{kubernetes.MountPath}\" role \"{kubernetes.Role}\" with the JWT in {who}", new VaultAuthKey(address, config.AuthNamespace, kubernetes.MountPath, kubernetes.Role, ns, who, string.Empty));
            }

            case VaultJwtAuth jwt when jwt.ServiceAccount is { } account:
            {
                var key = StoreReferenceReader.TokenKey(store, account, jwt.TokenSeconds);
                return ($"auth mount \"{jwt.Path}\" role \"{jwt.Role}\" as ServiceAccount {key.Namespace}/{key.ServiceAccount} (audiences [{key.Audiences}])",
                    new VaultAuthKey(address, config.AuthNamespace, jwt.Path, jwt.Role, key.Namespace, "serviceaccount " + key.ServiceAccount, key.Audiences));
            }

            case VaultJwtAuth jwt:
            {
                var secret = jwt.JwtSecret!;
                var ns = StoreReferenceReader.NamespaceFor(store, secret.Namespace, secret.Field);
                var who = $"Secret {ns}/{secret.Name} key {secret.Key}";
                return ($"auth mount \"{jwt.Path}\" role \"{jwt.Role}\" with the JWT in {who}", new VaultAuthKey(address, config.AuthNamespace, jwt.Path, jwt.Role, ns, who, string.Empty));
            }

            case VaultKubernetesAuth kubernetes:
                return ($"auth mount \"{kubernetes.MountPath}\" role \"{kubernetes.Role}\" as the controller's ServiceAccount",
                    new VaultAuthKey(address, config.AuthNamespace, kubernetes.MountPath, kubernetes.Role, string.Empty, "controller", string.Empty));

            default:
                return ("no auth", null);
        }
    }
}
