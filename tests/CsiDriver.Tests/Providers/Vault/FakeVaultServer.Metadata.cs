using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>KV v2 metadata (<c>GET /v1/secret/metadata/{path}</c>): versions, and custom metadata set with <see cref="CustomMetadata"/>.</summary>
public sealed partial class FakeVaultServer
{
    /// <summary>KV v2 <c>custom_metadata</c> by path (as <c>vault kv metadata put -custom-metadata</c>).</summary>
    public ConcurrentDictionary<string, Dictionary<string, string>> CustomMetadata { get; } = new();

    private async Task ReadKv2MetadataAsync(HttpContext context, string path)
    {
        if (!_kv2.TryGetValue(path, out var versions))
        {
            await Error(context, 404);
            return;
        }

        int count;
        lock (versions)
        {
            count = versions.Count;
        }

        await Json(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            lease_id = "",
            renewable = false,
            lease_duration = 0,
            data = new
            {
                cas_required = false,
                created_time = "2026-01-01T00:00:00.000000Z",
                current_version = count,
                custom_metadata = CustomMetadata.TryGetValue(path, out var custom) ? custom : null,
                delete_version_after = "0s",
                max_versions = 0,
                oldest_version = 1,
                updated_time = "2026-01-01T00:00:00.000000Z",
            },
        });
    }
}
