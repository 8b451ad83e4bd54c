using CsiDriver.Templating.Functions;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// The upstream provider's file for an object read without <c>secretKey</c>: Go's marshalling of <c>api.Secret</c>,
/// written with the one Go-compatible JSON writer (<see cref="GoJson"/>).
/// </summary>
internal static class VaultSecretJson
{
    /// <summary>The upstream provider's file for an object without <c>secretKey</c>: Go's marshalling of <c>api.Secret</c>.</summary>
    public static byte[] Serialize(VaultResponse response)
    {
        var root = response.Root;
        var builder = new StringBuilder("{");
        builder.Append("\"request_id\":");
        GoJson.WriteString(builder, StringField(root, "request_id"), escapeHtml: true);
        builder.Append(",\"lease_id\":");
        GoJson.WriteString(builder, StringField(root, "lease_id"), escapeHtml: true);
        builder.Append(",\"lease_duration\":");
        builder.Append(root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("lease_duration", out var d) && d.ValueKind == JsonValueKind.Number
            ? d.GetRawText()
            : "0");
        builder.Append(",\"renewable\":");
        builder.Append(response.Renewable ? "true" : "false");
        builder.Append(",\"data\":");
        WriteField(builder, root, "data", requireObject: true);
        builder.Append(",\"warnings\":");
        WriteField(builder, root, "warnings", requireObject: false);
        foreach (var optional in (string[])["auth", "wrap_info"])
        {
            if (root is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(optional, out var v) && v.ValueKind == JsonValueKind.Object)
            {
                builder.Append(",\"").Append(optional).Append("\":");
                GoJson.Write(builder, v);
            }
        }

        if (StringField(root, "mount_type") is { Length: > 0 } mountType)
        {
            builder.Append(",\"mount_type\":");
            GoJson.WriteString(builder, mountType, escapeHtml: true);
        }

        builder.Append('}');
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static string StringField(JsonElement? root, string name) =>
        root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;

    private static void WriteField(StringBuilder builder, JsonElement? root, string name, bool requireObject)
    {
        if (root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) &&
            (requireObject ? v.ValueKind == JsonValueKind.Object : v.ValueKind == JsonValueKind.Array))
        {
            GoJson.Write(builder, v);
        }
        else
        {
            builder.Append("null");
        }
    }
}
