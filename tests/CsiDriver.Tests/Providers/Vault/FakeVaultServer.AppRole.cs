using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>An AppRole: the mount it is enabled at, its name, role id and the secret ids it accepts.</summary>
public sealed record VaultAppRole(string Mount, string Name, string RoleId, string SecretId)
{
    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromMinutes(20);
}

/// <summary>
/// AppRole login (<c>POST /v1/auth/{mount}/login</c> {role_id, secret_id}), as Vault checks it: a missing role_id is
/// 400 "missing role_id", an unknown role id or a wrong secret id is 400 "invalid role or secret ID". Tokens are like
/// Kubernetes logins' (TTL on the test clock); reads are logged as who = "approle:{name}".
/// </summary>
public sealed partial class FakeVaultServer
{
    /// <summary>AppRoles by role id.</summary>
    public ConcurrentDictionary<string, VaultAppRole> AppRoles { get; } = new();

    private async Task<bool> TryAppRoleLoginAsync(HttpContext context, string path, string body)
    {
        if (context.Request.Method != "POST" || !path.StartsWith("/v1/auth/", StringComparison.Ordinal) || !path.EndsWith("/login", StringComparison.Ordinal))
        {
            return false;
        }

        var mount = path["/v1/auth/".Length..^"/login".Length];
        if (!AppRoles.Values.Any(r => r.Mount == mount))
        {
            return false;
        }

        Interlocked.Increment(ref _logins);
        var login = JsonNode.Parse(body.Length == 0 ? "{}" : body);
        var roleId = login?["role_id"]?.GetValue<string>();
        var secretId = login?["secret_id"]?.GetValue<string>();
        if (string.IsNullOrEmpty(roleId))
        {
            await Error(context, 400, "missing role_id");
            return true;
        }

        if (!AppRoles.TryGetValue(roleId, out var role) || role.Mount != mount || role.SecretId != secretId)
        {
            await Error(context, 400, "invalid role or secret ID");
            return true;
        }

        var token = "hvs." + Guid.NewGuid().ToString("N");
        _tokens[token] = (_clock.GetUtcNow() + role.TokenTtl, $"{mount}/{role.Name}", Namespace ?? string.Empty, "approle:" + role.Name);
        await Json(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            lease_id = "",
            renewable = false,
            lease_duration = 0,
            data = (object?)null,
            auth = new { client_token = token, accessor = "acc", policies = new[] { "default", role.Name }, lease_duration = (long)role.TokenTtl.TotalSeconds, renewable = true },
        });
        return true;
    }
}
