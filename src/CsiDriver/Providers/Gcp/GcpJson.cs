namespace CsiDriver.Providers.Gcp;

/// <summary>Secret Manager <c>versions.access</c> response.</summary>
internal sealed class AccessSecretVersionResponse
{
    public string? Name { get; set; }

    public SecretPayload? Payload { get; set; }
}

/// <summary>Secret Manager payload: base64 data and an optional CRC32C (int64 as a JSON string).</summary>
internal sealed class SecretPayload
{
    public string? Data { get; set; }

    [JsonPropertyName("dataCrc32c")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long? DataCrc32C { get; set; }
}

/// <summary>Parameter Manager <c>versions.render</c> response.</summary>
internal sealed class RenderParameterVersionResponse
{
    public string? ParameterVersion { get; set; }

    public string? RenderedPayload { get; set; }
}

/// <summary>RFC 8693 token exchange request, fields in the order upstream documents.</summary>
internal sealed class TokenExchangeRequest
{
    [JsonPropertyName("grant_type")]
    public string GrantType { get; set; } = "urn:ietf:params:oauth:grant-type:token-exchange";

    [JsonPropertyName("subject_token_type")]
    public string SubjectTokenType { get; set; } = "urn:ietf:params:oauth:token-type:jwt";

    [JsonPropertyName("requested_token_type")]
    public string RequestedTokenType { get; set; } = "urn:ietf:params:oauth:token-type:access_token";

    [JsonPropertyName("subject_token")]
    public string SubjectToken { get; set; } = string.Empty;

    public string Audience { get; set; } = string.Empty;

    public string Scope { get; set; } = GcpScopes.CloudPlatform;
}

/// <summary>OAuth token response (STS, metadata server).</summary>
internal sealed class OAuthTokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; set; }

    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; set; }
}

/// <summary>IAM Credentials <c>generateAccessToken</c> request.</summary>
internal sealed class GenerateAccessTokenRequest
{
    public List<string> Scope { get; set; } = [GcpScopes.CloudPlatform];

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Delegates { get; set; }
}

/// <summary>IAM Credentials <c>generateAccessToken</c> response.</summary>
internal sealed class GenerateAccessTokenResponse
{
    public string? AccessToken { get; set; }

    public DateTimeOffset? ExpireTime { get; set; }
}

/// <summary>Google's JSON error envelope: <c>{"error":{"code","message","status"}}</c>.</summary>
internal sealed class GoogleErrorEnvelope
{
    public GoogleErrorBody? Error { get; set; }
}

/// <summary>The inner error of <see cref="GoogleErrorEnvelope"/>.</summary>
internal sealed class GoogleErrorBody
{
    public int? Code { get; set; }

    public string? Message { get; set; }

    public string? Status { get; set; }
}

/// <summary>The subset of a service-account key file the provider reads.</summary>
internal sealed class ServiceAccountKeyFile
{
    public string? Type { get; set; }

    [JsonPropertyName("client_email")]
    public string? ClientEmail { get; set; }

    [JsonPropertyName("private_key")]
    public string? PrivateKey { get; set; }

    [JsonPropertyName("private_key_id")]
    public string? PrivateKeyId { get; set; }

    [JsonPropertyName("token_uri")]
    public string? TokenUri { get; set; }
}

/// <summary>The JOSE header of the service-account assertion.</summary>
internal sealed class JwtHeader
{
    [JsonPropertyName("alg")]
    public required string Algorithm { get; init; }

    [JsonPropertyName("typ")]
    public required string Type { get; init; }

    [JsonPropertyName("kid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? KeyId { get; init; }
}

/// <summary>The claims of the service-account assertion (Google's JWT-bearer flow).</summary>
internal sealed class JwtClaims
{
    [JsonPropertyName("iss")]
    public required string Issuer { get; init; }

    public required string Scope { get; init; }

    [JsonPropertyName("aud")]
    public required string Audience { get; init; }

    [JsonPropertyName("iat")]
    public long IssuedAt { get; init; }

    [JsonPropertyName("exp")]
    public long Expires { get; init; }
}

/// <summary>The subset of an <c>external_account</c> credential file the provider reads.</summary>
internal sealed class ExternalAccountFile
{
    public string? Type { get; set; }

    public string? Audience { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AccessSecretVersionResponse))]
[JsonSerializable(typeof(RenderParameterVersionResponse))]
[JsonSerializable(typeof(TokenExchangeRequest))]
[JsonSerializable(typeof(OAuthTokenResponse))]
[JsonSerializable(typeof(JwtHeader))]
[JsonSerializable(typeof(JwtClaims))]
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
