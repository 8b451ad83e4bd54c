namespace CsiDriver.Sync;

/// <summary>
/// The checks the API server makes on a Secret's type and keys (pkg/apis/core/validation), made before
/// any write so the user gets an event naming the class, Secret and key instead of a 422.
/// </summary>
internal static partial class SecretTypes
{
    public const string Opaque = "Opaque";
    public const string Tls = "kubernetes.io/tls";
    public const string DockerConfigJson = "kubernetes.io/dockerconfigjson";
    public const string DockerCfg = "kubernetes.io/dockercfg";
    public const string BasicAuth = "kubernetes.io/basic-auth";
    public const string SshAuth = "kubernetes.io/ssh-auth";
    public const string ServiceAccountToken = "kubernetes.io/service-account-token";

    private const int MaxKeyLength = 253;

    /// <summary>The type to write: the class's, or Opaque when it names none.</summary>
    public static string Effective(string type) => string.IsNullOrWhiteSpace(type) ? Opaque : type.Trim();

    /// <summary>Null if <paramref name="key"/> is a valid Secret data key, else why not.</summary>
    public static string? CheckKey(string key) => key switch
    {
        "" => "the key is empty",
        { Length: > MaxKeyLength } => $"the key is longer than {MaxKeyLength} characters",
        _ when key == "." || key.StartsWith("..", StringComparison.Ordinal) => "the key must not be '.' or '..' or start with '..'",
        _ => KeyPattern().IsMatch(key) ? null : "a key must consist of alphanumeric characters, '-', '_' or '.'",
    };

    /// <summary>Null if the data satisfies what the API server requires of <paramref name="type"/>, else why not (never a value).</summary>
    public static string? CheckData(string type, IReadOnlyDictionary<string, byte[]> data, IReadOnlyDictionary<string, string> annotations) => type switch
    {
        Tls => Missing(type, data, "tls.crt", "tls.key"),
        DockerConfigJson => Missing(type, data, ".dockerconfigjson") ?? JsonObjectOrWhy(data[".dockerconfigjson"], ".dockerconfigjson"),
        DockerCfg => Missing(type, data, ".dockercfg") ?? JsonObjectOrWhy(data[".dockercfg"], ".dockercfg"),
        BasicAuth => data.ContainsKey("username") || data.ContainsKey("password") ? null : "type kubernetes.io/basic-auth needs the key username or password",
        SshAuth => Missing(type, data, "ssh-privatekey"),
        ServiceAccountToken => annotations.ContainsKey("kubernetes.io/service-account.name")
            ? null
            : "type kubernetes.io/service-account-token needs the annotation kubernetes.io/service-account.name",
        _ => null,
    };

    private static string? Missing(string type, IReadOnlyDictionary<string, byte[]> present, params string[] keys)
    {
        var missing = keys.Where(k => !present.ContainsKey(k)).ToList();
        return missing.Count == 0
            ? null
            : $"type {type} needs the key{(missing.Count > 1 ? "s" : string.Empty)} {string.Join(" and ", missing)} (data[].key), and it is missing";
    }

    private static string? JsonObjectOrWhy(byte[] value, string key)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object ? null : $"key {key} must hold a JSON object";
        }
        catch (JsonException)
        {
            // JsonException text can quote the input; say only where it failed.
            return $"key {key} is not valid JSON";
        }
    }

    [GeneratedRegex("^[-._a-zA-Z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
