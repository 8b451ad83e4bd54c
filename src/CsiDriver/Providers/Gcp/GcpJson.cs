namespace CsiDriver.Providers.Gcp;

/// <summary>
/// A Secret Manager secret version: the <c>versions.access</c> response (with its payload) and the
/// <c>addVersion</c> response (its name).
/// </summary>
internal sealed record GcpSecretVersion(string? Name = null, SecretPayload? Payload = null);

/// <summary>
/// Secret Manager payload: base64 data and a CRC32C (int64 as a JSON string), read from <c>versions.access</c>
/// and written by <c>addVersion</c>. <see cref="ToString"/> never shows the data.
/// </summary>
internal sealed record SecretPayload(
    string? Data = null,
    [property: JsonPropertyName("dataCrc32c")]
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    long? DataCrc32C = null)
{
    public override string ToString() => "payload";
}

/// <summary>Secret Manager <c>addVersion</c> request.</summary>
internal sealed record GcpAddVersionRequest(SecretPayload Payload);

/// <summary>A Secret Manager secret's description: its name and labels, never a value.</summary>
internal sealed record GcpSecret(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, string>? Labels = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GcpReplication? Replication = null);

/// <summary>A secret's replication: <c>{"automatic":{}}</c> for a global secret.</summary>
internal sealed record GcpReplication(Dictionary<string, string>? Automatic = null);

/// <summary>One page of <c>secrets.list</c>.</summary>
internal sealed record GcpListSecretsResponse(List<GcpSecret>? Secrets = null, string? NextPageToken = null)
{
    public override string ToString() => $"{Secrets?.Count ?? 0} secrets";
}

/// <summary>An empty response body (<c>secrets.delete</c>).</summary>
internal sealed record GcpEmpty;

/// <summary>Parameter Manager <c>versions.render</c> response; <see cref="ToString"/> never shows the payload.</summary>
internal sealed record RenderParameterVersionResponse(string? ParameterVersion = null, string? RenderedPayload = null)
{
    public override string ToString() => $"rendered {ParameterVersion}";
}

/// <summary>RFC 8693 token exchange request, fields in the order upstream documents; <see cref="ToString"/> never shows the token.</summary>
internal sealed record TokenExchangeRequest(
    [property: JsonPropertyName("grant_type")] string GrantType = "urn:ietf:params:oauth:grant-type:token-exchange",
    [property: JsonPropertyName("subject_token_type")] string SubjectTokenType = "urn:ietf:params:oauth:token-type:jwt",
    [property: JsonPropertyName("requested_token_type")] string RequestedTokenType = "urn:ietf:params:oauth:token-type:access_token",
    [property: JsonPropertyName("subject_token")] string SubjectToken = "",
    string Audience = "",
    string Scope = GcpScopes.CloudPlatform)
{
    public override string ToString() => $"token exchange for {Audience}";
}

/// <summary>
/// OAuth token response (STS, metadata server, token URIs), or its error (<c>{"error":"invalid_grant","error_description":".."}</c>);
/// <see cref="ToString"/> never shows the token.
/// </summary>
internal sealed record OAuthTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken = null,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn = null,
    string? Error = null,
    [property: JsonPropertyName("error_description")] string? ErrorDescription = null)
{
    /// <summary>Lifetime assumed when a response omits <c>expires_in</c>: short, so the token is soon refreshed.</summary>
    private static readonly TimeSpan UnknownLifetime = TimeSpan.FromMinutes(10);

    /// <summary>The token, valid from now for <c>expires_in</c>; <paramref name="source"/> names who failed to send one.</summary>
    public AccessToken ToAccessToken(TimeProvider time, string source) =>
        string.IsNullOrEmpty(AccessToken) ? throw new GoogleApiException(Publishing.FailureKind.Unavailable, $"{source} returned no access_token")
        : new AccessToken(AccessToken, time.GetUtcNow() + (ExpiresIn is > 0 and < 86400 * 7 ? TimeSpan.FromSeconds(ExpiresIn.Value) : UnknownLifetime));

    public override string ToString() => $"token response (expires_in {ExpiresIn})";
}

/// <summary>IAM Credentials <c>generateAccessToken</c> request.</summary>
internal sealed record GenerateAccessTokenRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<string>? Delegates = null)
{
    public List<string> Scope { get; } = [GcpScopes.CloudPlatform];
}

/// <summary>IAM Credentials <c>generateAccessToken</c> response; <see cref="ToString"/> never shows the token.</summary>
internal sealed record GenerateAccessTokenResponse(string? AccessToken = null, DateTimeOffset? ExpireTime = null)
{
    public override string ToString() => $"access token (expires {ExpireTime})";
}

/// <summary>Google's JSON error envelope: <c>{"error":{"code","message","status"}}</c>.</summary>
internal sealed record GoogleErrorEnvelope(GoogleErrorBody? Error = null);

/// <summary>The inner error of <see cref="GoogleErrorEnvelope"/>.</summary>
internal sealed record GoogleErrorBody(int? Code = null, string? Message = null, string? Status = null);

/// <summary>The subset of a service-account key file the provider reads; <see cref="ToString"/> never shows the key.</summary>
internal sealed record ServiceAccountKeyFile(
    string? Type = null,
    [property: JsonPropertyName("client_email")] string? ClientEmail = null,
    [property: JsonPropertyName("private_key")] string? PrivateKey = null,
    [property: JsonPropertyName("private_key_id")] string? PrivateKeyId = null,
    [property: JsonPropertyName("token_uri")] string? TokenUri = null)
{
    public override string ToString() => $"service account key {ClientEmail}";
}

/// <summary>The subset of an <c>external_account</c> credential file the provider reads.</summary>
internal sealed record ExternalAccountFile(string? Type = null, string? Audience = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(GcpSecretVersion))]
[JsonSerializable(typeof(GcpAddVersionRequest))]
[JsonSerializable(typeof(GcpSecret))]
[JsonSerializable(typeof(GcpListSecretsResponse))]
[JsonSerializable(typeof(GcpEmpty))]
[JsonSerializable(typeof(RenderParameterVersionResponse))]
[JsonSerializable(typeof(TokenExchangeRequest))]
[JsonSerializable(typeof(OAuthTokenResponse))]
[JsonSerializable(typeof(GenerateAccessTokenRequest))]
[JsonSerializable(typeof(GenerateAccessTokenResponse))]
[JsonSerializable(typeof(GoogleErrorEnvelope))]
[JsonSerializable(typeof(ServiceAccountKeyFile))]
[JsonSerializable(typeof(ExternalAccountFile))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class GcpJsonContext : JsonSerializerContext;

/// <summary>OAuth scopes the provider asks for.</summary>
internal static class GcpScopes
{
    public const string CloudPlatform = "https://www.googleapis.com/auth/cloud-platform";
}
