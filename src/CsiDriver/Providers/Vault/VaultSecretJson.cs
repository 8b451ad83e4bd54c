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
        var root = response.Root is { ValueKind: JsonValueKind.Object } r ? r : (JsonElement?)null;
        JsonElement? Field(string name, JsonValueKind kind) =>
            root is { } o && o.TryGetProperty(name, out var v) && v.ValueKind == kind ? v : null;

        var builder = new StringBuilder("{");
        StringBuilder Name(string name) => builder.Append(builder.Length > 1 ? ",\"" : "\"").Append(name).Append("\":");
        void Json(string name, JsonElement? value)
        {
            if (value is { } v)
            {
                GoJson.Write(Name(name), v);
            }
            else
            {
                Name(name).Append("null");
            }
        }

        GoJson.WriteString(Name("request_id"), Field("request_id", JsonValueKind.String)?.GetString() ?? string.Empty, escapeHtml: true);
        GoJson.WriteString(Name("lease_id"), Field("lease_id", JsonValueKind.String)?.GetString() ?? string.Empty, escapeHtml: true);
        Name("lease_duration").Append(Field("lease_duration", JsonValueKind.Number)?.GetRawText() ?? "0");
        Name("renewable").Append(response.Renewable ? "true" : "false");
        Json("data", Field("data", JsonValueKind.Object));
        Json("warnings", Field("warnings", JsonValueKind.Array));
        foreach (var optional in (string[])["auth", "wrap_info"])
        {
            if (Field(optional, JsonValueKind.Object) is { } value)
            {
                Json(optional, value);
            }
        }

        if (Field("mount_type", JsonValueKind.String)?.GetString() is { Length: > 0 } mountType)
        {
            GoJson.WriteString(Name("mount_type"), mountType, escapeHtml: true);
        }

        return Encoding.UTF8.GetBytes(builder.Append('}').ToString());
    }
}
