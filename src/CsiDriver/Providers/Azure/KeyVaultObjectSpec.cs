using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>The Key Vault object types the provider reads.</summary>
internal enum KeyVaultObjectType
{
    Secret,
    Key,
    Cert,
}

/// <summary>One validated entry of the <c>objects</c> array (all string fields whitespace-trimmed, as upstream).</summary>
internal sealed partial record KeyVaultObjectSpec(
    string ObjectName,
    KeyVaultObjectType Type,
    string TypeName,
    string ObjectAlias,
    string ObjectVersion,
    int ObjectVersionHistory,
    bool Pfx,
    string ObjectEncoding,
    UnixFileMode? FileMode)
{
    /// <summary>The file written: the alias, else the object name.</summary>
    public string FileName => ObjectAlias.Length > 0 ? ObjectAlias : ObjectName;

    /// <summary>More than one version is written (<c>&lt;file&gt;/0</c>, <c>/1</c>, ...).</summary>
    public bool IsHistory => ObjectVersionHistory > 1;

    /// <summary>The id reported in pod status: <c>&lt;type&gt;/&lt;name&gt;</c>.</summary>
    public string Uid => $"{TypeName}/{ObjectName}";

    public static KeyVaultObjectSpec From(RawObject raw, ProviderRequest request)
    {
        var name = Trim(raw.ObjectName);
        var typeName = Trim(raw.ObjectType);
        var alias = Trim(raw.ObjectAlias);
        var version = Trim(raw.ObjectVersion);
        var format = Trim(raw.ObjectFormat);
        var encoding = Trim(raw.ObjectEncoding);
        var fileName = alias.Length > 0 ? alias : name;

        // The first rule the entry breaks. Upstream's validate(): format, encoding, then the file name; the type is
        // checked at fetch time there, here before any request so a bad entry fails the mount without traffic. Names
        // go into the request path: Key Vault's own rule, so nothing can escape the path segment.
        var broken =
            format.Length > 0 && !IsAny(format, "pem", "pfx") ? $"invalid objectFormat: {format}, should be PEM or PFX"
            : format == "pfx" && typeName != "secret" ? "PFX format only supported for objectType: secret"
            : encoding.Length > 0 && typeName != "secret" ? "objectEncoding only supported for objectType: secret"
            : encoding.Length > 0 && !IsAny(encoding, "hex", "base64", "utf-8") ? $"invalid objectEncoding: {encoding}, should be hex, base64 or utf-8"
            : fileName.Length == 0 ? "file name must not be empty"
            : fileName.StartsWith('/') ? "file name must be a relative path"
            : fileName.Contains("..", StringComparison.Ordinal) ? "file name must not contain '..'"
            : typeName is not ("secret" or "key" or "cert") ? "Invalid vaultObjectTypes. Should be secret, key, or cert"
            : !ObjectNamePattern().IsMatch(name) ? "objectName must be a Key Vault object name (1-127 characters of 0-9, a-z, A-Z and -)"
            : version.Length > 0 && !VersionPattern().IsMatch(version) ? "objectVersion must be a Key Vault version id (letters and digits)"
            : raw.ObjectVersionHistory < 0 ? "objectVersionHistory must not be negative"
            : null;
        if (broken is not null)
        {
            throw AzureMountConfig.Invalid(request.Class.Description, $"failed to get objectType:{typeName}, objectName:{name}, objectVersion:{version}: {broken}");
        }

        var type = typeName switch
        {
            "secret" => KeyVaultObjectType.Secret,
            "key" => KeyVaultObjectType.Key,
            _ => KeyVaultObjectType.Cert,
        };
        var mode = ProviderParameters.ParseFileMode(Trim(raw.FilePermission), request, name);
        return new KeyVaultObjectSpec(name, type, typeName, alias, version, raw.ObjectVersionHistory, IsAny(format, "pfx"), encoding, mode);
    }

    private static bool IsAny(string value, params string[] choices) => choices.Any(choice => value.Equals(choice, StringComparison.OrdinalIgnoreCase));

    private static string Trim(string? value) => value?.Trim() ?? string.Empty;

    [GeneratedRegex("^[0-9A-Za-z-]{1,127}$")]
    private static partial Regex ObjectNamePattern();

    [GeneratedRegex("^[0-9A-Za-z]{1,64}$")]
    private static partial Regex VersionPattern();
}

/// <summary>One object document as YAML gives it (field names case-sensitive, as yaml.v3).</summary>
internal sealed record RawObject(
    string? ObjectName = null,
    string? ObjectType = null,
    string? ObjectAlias = null,
    string? ObjectVersion = null,
    int ObjectVersionHistory = 0,
    string? ObjectFormat = null,
    string? ObjectEncoding = null,
    string? FilePermission = null);
