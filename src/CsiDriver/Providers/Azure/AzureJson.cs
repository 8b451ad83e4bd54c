using System.Text.Json.Serialization;

namespace CsiDriver.Providers.Azure;

/// <summary>Source-generated JSON for every Key Vault, Entra ID, IMDS and NMI body the provider reads.</summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(SecretBundle))]
[JsonSerializable(typeof(KeyBundle))]
[JsonSerializable(typeof(CertificateBundle))]
[JsonSerializable(typeof(VersionListPage))]
[JsonSerializable(typeof(KeyVaultErrorBody))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(NmiResponse))]
[JsonSerializable(typeof(AzureEnvironmentFile))]
internal sealed partial class AzureJsonContext : JsonSerializerContext;

/// <summary>GET secrets/{name}/{version}.</summary>
internal sealed class SecretBundle
{
    [JsonPropertyName("value")]
    public string? Value { get; set; }

    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("contentType")]
    public string? ContentType { get; set; }

    /// <summary>Set when the secret backs a certificate.</summary>
    [JsonPropertyName("kid")]
    public string? Kid { get; set; }

    public override string ToString() => $"secret {Id}";
}

/// <summary>GET keys/{name}/{version}.</summary>
internal sealed class KeyBundle
{
    [JsonPropertyName("key")]
    public JsonWebKey? Key { get; set; }
}

/// <summary>The public parts of a JWK (Key Vault never returns private material on GET).</summary>
internal sealed class JsonWebKey
{
    [JsonPropertyName("kid")]
    public string? Kid { get; set; }

    [JsonPropertyName("kty")]
    public string? Kty { get; set; }

    [JsonPropertyName("n")]
    public string? N { get; set; }

    [JsonPropertyName("e")]
    public string? E { get; set; }

    [JsonPropertyName("crv")]
    public string? Crv { get; set; }

    [JsonPropertyName("x")]
    public string? X { get; set; }

    [JsonPropertyName("y")]
    public string? Y { get; set; }
}

/// <summary>GET certificates/{name}/{version}.</summary>
internal sealed class CertificateBundle
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>Base64 DER of the leaf certificate.</summary>
    [JsonPropertyName("cer")]
    public string? Cer { get; set; }
}

/// <summary>GET {secrets|keys|certificates}/{name}/versions, one page.</summary>
internal sealed class VersionListPage
{
    [JsonPropertyName("value")]
    public List<VersionItem>? Value { get; set; }

    [JsonPropertyName("nextLink")]
    public string? NextLink { get; set; }
}

/// <summary>One version in a list page: secrets and certificates carry <c>id</c>, keys <c>kid</c>.</summary>
internal sealed class VersionItem
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("kid")]
    public string? Kid { get; set; }

    [JsonPropertyName("attributes")]
    public VersionAttributes? Attributes { get; set; }
}

/// <summary>Object attributes used for history ordering.</summary>
internal sealed class VersionAttributes
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }

    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("created")]
    public long? Created { get; set; }
}

/// <summary>Key Vault's error envelope: <c>{"error":{"code":"SecretNotFound","message":"..."}}</c>.</summary>
internal sealed class KeyVaultErrorBody
{
    [JsonPropertyName("error")]
    public KeyVaultError? Error { get; set; }
}

/// <summary>The error code Key Vault reports (the message is not passed on: it is backend text).</summary>
internal sealed class KeyVaultError
{
    [JsonPropertyName("code")]
    public string? Code { get; set; }

    [JsonPropertyName("innererror")]
    public KeyVaultError? InnerError { get; set; }
}

/// <summary>
/// An OAuth token response (Entra ID v2 endpoint, IMDS, and the <c>token</c> inside NMI's reply);
/// also the Entra ID error body. ToString never shows the token.
/// </summary>
internal sealed class TokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; set; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("error_codes")]
    public List<long>? ErrorCodes { get; set; }

    public override string ToString() => $"token response (expires_in {ExpiresIn})";
}

/// <summary>aad-pod-identity NMI's reply: <c>{"token": {...}, "clientid": "..."}</c>.</summary>
internal sealed class NmiResponse
{
    [JsonPropertyName("token")]
    public TokenResponse? Token { get; set; }

    [JsonPropertyName("clientid")]
    public string? ClientId { get; set; }
}
