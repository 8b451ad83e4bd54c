namespace CsiDriver.Providers.Azure;

/// <summary>Source-generated JSON for every Key Vault, Entra ID, IMDS and NMI body the provider reads.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
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
    public string? Value { get; set; }

    public string? Id { get; set; }

    public string? ContentType { get; set; }

    /// <summary>Set when the secret backs a certificate.</summary>
    public string? Kid { get; set; }

    public override string ToString() => $"secret {Id}";
}

/// <summary>GET keys/{name}/{version}.</summary>
internal sealed class KeyBundle
{
    public JsonWebKey? Key { get; set; }
}

/// <summary>The public parts of a JWK (Key Vault never returns private material on GET).</summary>
internal sealed class JsonWebKey
{
    public string? Kid { get; set; }

    public string? Kty { get; set; }

    public string? N { get; set; }

    public string? E { get; set; }

    public string? Crv { get; set; }

    public string? X { get; set; }

    public string? Y { get; set; }
}

/// <summary>GET certificates/{name}/{version}.</summary>
internal sealed class CertificateBundle
{
    public string? Id { get; set; }

    /// <summary>Base64 DER of the leaf certificate.</summary>
    public string? Cer { get; set; }
}

/// <summary>GET {secrets|keys|certificates}/{name}/versions, one page.</summary>
internal sealed class VersionListPage
{
    public List<VersionItem>? Value { get; set; }

    public string? NextLink { get; set; }
}

/// <summary>One version in a list page: secrets and certificates carry <c>id</c>, keys <c>kid</c>.</summary>
internal sealed class VersionItem
{
    public string? Id { get; set; }

    public string? Kid { get; set; }

    public VersionAttributes? Attributes { get; set; }
}

/// <summary>Object attributes used for history ordering.</summary>
internal sealed class VersionAttributes
{
    public bool? Enabled { get; set; }

    /// <summary>Unix seconds.</summary>
    public long? Created { get; set; }
}

/// <summary>Key Vault's error envelope: <c>{"error":{"code":"SecretNotFound","message":"..."}}</c>.</summary>
internal sealed class KeyVaultErrorBody
{
    public KeyVaultError? Error { get; set; }
}

/// <summary>The error code Key Vault reports (the message is not passed on: it is backend text).</summary>
internal sealed class KeyVaultError
{
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

    public string? Error { get; set; }

    [JsonPropertyName("error_codes")]
    public List<long>? ErrorCodes { get; set; }

    public override string ToString() => $"token response (expires_in {ExpiresIn})";
}

/// <summary>aad-pod-identity NMI's reply: <c>{"token": {...}, "clientid": "..."}</c>.</summary>
internal sealed class NmiResponse
{
    public TokenResponse? Token { get; set; }

    [JsonPropertyName("clientid")]
    public string? ClientId { get; set; }
}
