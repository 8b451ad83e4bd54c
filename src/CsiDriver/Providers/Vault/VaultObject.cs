namespace CsiDriver.Providers.Vault;

/// <summary>How an extracted <c>secretKey</c> value is decoded before it is written.</summary>
internal enum VaultEncoding
{
    Utf8,
    Base64,
    Hex,
}

/// <summary>One entry of the <c>objects</c> parameter, validated.</summary>
/// <param name="ArgsJson">The <c>secretArgs</c> map as a compact JSON body, or null when absent.</param>
internal sealed record VaultObject(
    string ObjectName,
    string SecretPath,
    string? SecretKey,
    string Method,
    string? ArgsJson,
    VaultEncoding Encoding,
    UnixFileMode? FilePermission)
{
    /// <summary>Objects sharing this key are one Vault call (e.g. <c>username</c> and <c>password</c> of one DB credential).</summary>
    public VaultRequestKey RequestKey => new(SecretPath, Method, ArgsJson);
}

/// <summary>The identity of one Vault read: path (with query), method and body.</summary>
internal sealed record VaultRequestKey(string SecretPath, string Method, string? ArgsJson);
