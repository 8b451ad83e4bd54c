namespace CsiDriver.Providers.Azure;

/// <summary>Source-generated JSON for every Key Vault, Entra ID, IMDS and NMI body the provider reads.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(SecretBundle))]
[JsonSerializable(typeof(KeyBundle))]
[JsonSerializable(typeof(CertificateBundle))]
[JsonSerializable(typeof(KeyVaultPage))]
[JsonSerializable(typeof(KeyVaultErrorBody))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(NmiResponse))]
[JsonSerializable(typeof(AzureEnvironmentFile))]
[JsonSerializable(typeof(SetSecretRequest))]
internal sealed partial class AzureJsonContext : JsonSerializerContext;

/// <summary>GET secrets/{name}/{version}.</summary>
/// <param name="Kid">Set when the secret backs a certificate.</param>
internal sealed record SecretBundle(string? Value = null, string? Id = null, string? ContentType = null, string? Kid = null)
{
    public override string ToString() => $"secret {Id}";
}

/// <summary>GET keys/{name}/{version}.</summary>
internal sealed record KeyBundle(JsonWebKey? Key = null);

/// <summary>The public parts of a JWK (Key Vault never returns private material on GET).</summary>
internal sealed record JsonWebKey(
    string? Kid = null, string? Kty = null, string? N = null, string? E = null, string? Crv = null, string? X = null, string? Y = null);

/// <summary>GET certificates/{name}/{version}.</summary>
/// <param name="Cer">Base64 DER of the leaf certificate.</param>
internal sealed record CertificateBundle(string? Id = null, string? Cer = null);

/// <summary>One page of a listing: <c>GET secrets</c> or <c>GET {secrets|keys|certificates}/{name}/versions</c>.</summary>
internal sealed record KeyVaultPage(List<KeyVaultItem>? Value = null, string? NextLink = null);

/// <summary>
/// One listed item: a secret (<c>https://vault/secrets/NAME</c>, with its tags) or a version (secrets and
/// certificates carry <c>id</c>, keys <c>kid</c>); never a value.
/// </summary>
internal sealed record KeyVaultItem(string? Id = null, string? Kid = null, VersionAttributes? Attributes = null, Dictionary<string, string>? Tags = null);

/// <summary>Object attributes used for history ordering.</summary>
/// <param name="Created">Unix seconds.</param>
internal sealed record VersionAttributes(bool? Enabled = null, long? Created = null);

/// <summary>Key Vault's error envelope: <c>{"error":{"code":"SecretNotFound","message":"..."}}</c>.</summary>
internal sealed record KeyVaultErrorBody(KeyVaultError? Error = null);

/// <summary>The error code Key Vault reports (the message is not passed on: it is backend text).</summary>
internal sealed record KeyVaultError(string? Code = null, [property: JsonPropertyName("innererror")] KeyVaultError? InnerError = null);

/// <summary>
/// An OAuth token response (Entra ID v2 endpoint, IMDS, and the <c>token</c> inside NMI's reply);
/// also the Entra ID error body. ToString never shows the token.
/// </summary>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken = null,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn = null,
    string? Error = null,
    [property: JsonPropertyName("error_codes")] List<long>? ErrorCodes = null)
{
    public override string ToString() => $"token response (expires_in {ExpiresIn})";
}

/// <summary>aad-pod-identity NMI's reply: <c>{"token": {...}, "clientid": "..."}</c>.</summary>
internal sealed record NmiResponse(TokenResponse? Token = null, [property: JsonPropertyName("clientid")] string? ClientId = null);

/// <summary>The fields of a go-autorest environment file the provider uses.</summary>
internal sealed record AzureEnvironmentFile(
    string? Name = null,
    string? ActiveDirectoryEndpoint = null,
    string? KeyVaultEndpoint = null,
    [property: JsonPropertyName("keyVaultDNSSuffix")] string? KeyVaultDnsSuffix = null);

/// <summary>The body of <c>PUT secrets/{name}</c>; <see cref="ToString"/> never shows the value.</summary>
internal sealed record SetSecretRequest(string Value, Dictionary<string, string> Tags)
{
    public override string ToString() => "set secret";
}
