namespace CsiDriver.Providers.Vault;

/// <summary>
/// A parsed Vault API response (<c>{request_id, lease_id, lease_duration, renewable, data, warnings, auth, ...}</c>).
/// Holds secret data in memory only; <see cref="ToString"/> never shows it.
/// </summary>
internal sealed class VaultResponse
{
    private VaultResponse(JsonElement? root)
    {
        Root = root;
        if (root is { ValueKind: JsonValueKind.Object } r)
        {
            LeaseId = r.TryGetProperty("lease_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() ?? string.Empty : string.Empty;
            LeaseDuration = r.TryGetProperty("lease_duration", out var d) && d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var seconds) ? seconds : 0;
            Renewable = r.TryGetProperty("renewable", out var rn) && rn.ValueKind == JsonValueKind.True;
            Data = r.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null ? data : null;
            if (r.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.Object)
            {
                ClientToken = auth.TryGetProperty("client_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                AuthLeaseDuration = auth.TryGetProperty("lease_duration", out var ad) && ad.ValueKind == JsonValueKind.Number && ad.TryGetInt64(out var s2) ? s2 : 0;
            }

            if (r.TryGetProperty("warnings", out var w) && w.ValueKind == JsonValueKind.Array)
            {
                Warnings = [.. w.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)];
            }
        }
    }

    public static VaultResponse Empty { get; } = new(null);

    /// <summary>The whole response object, or null for an empty body (HTTP 204).</summary>
    public JsonElement? Root { get; }

    /// <summary>Top-level <c>data</c>, or null when absent or JSON null.</summary>
    public JsonElement? Data { get; }

    public string LeaseId { get; } = string.Empty;

    public long LeaseDuration { get; }

    public bool Renewable { get; }

    public string? ClientToken { get; }

    public long AuthLeaseDuration { get; }

    public IReadOnlyList<string> Warnings { get; } = [];

    /// <summary>A lease Vault expects us to renew or revoke: dynamic credentials, leased certificates.</summary>
    public bool IsLeased => LeaseId.Length > 0 && LeaseDuration > 0;

    /// <summary>Parses a body; throws <see cref="JsonException"/> whose text must not be passed on (it may quote the body).</summary>
    public static VaultResponse Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return Empty;
        }

        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        return new VaultResponse(document.RootElement.Clone());
    }

    /// <summary>The response as JSON again, to keep in memory (pinned KV versions); <see cref="Parse"/> reads it back.</summary>
    public byte[] ToBytes() => Root is { } root ? Encoding.UTF8.GetBytes(root.GetRawText()) : [];

    /// <summary>
    /// The KV v2 version this answer holds (<c>data.metadata.version</c>, with <c>data.data</c> present: a deleted or
    /// destroyed version has no data), or null when it is not a KV v2 read.
    /// </summary>
    public string? KvVersion =>
        Data is { ValueKind: JsonValueKind.Object } data &&
        data.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.Object &&
        data.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
        metadata.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number && version.TryGetInt64(out var number)
            ? number.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : null;

    public override string ToString() => $"Vault response (lease {(LeaseId.Length > 0 ? "yes" : "no")}, {LeaseDuration}s)";
}
