using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>
/// A Vault on loopback speaking the real HTTP API shapes and checking what Vault checks:
/// X-Vault-Token on every non-login call (403 <c>{"errors":["permission denied"]}</c>), token TTLs
/// on a test clock, Kubernetes/JWT login validating the JWT's audience and service account against
/// the role, X-Vault-Namespace (tokens and secrets live in one namespace), KV v1 (<c>kv/</c>) and
/// KV v2 (<c>secret/</c>), dynamic database credentials with leases, PKI issue, lease renew/revoke,
/// a sealed mode (503), and failures injected per path prefix. Every secret call (not login, not sys/) is
/// logged with the service account whose login minted the token, so tests count reads per identity.
/// </summary>
public sealed partial class FakeVaultServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ManualClock _clock;
    private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, string Role, string Namespace, string Who)> _tokens = new();
    private readonly ConcurrentDictionary<string, Lease> _leases = new();
    private readonly ConcurrentDictionary<string, List<Dictionary<string, object?>>> _kv2 = new();
    private readonly ConcurrentDictionary<string, Dictionary<string, object?>> _kv1 = new();
    private int _logins;
    private int _renewals;
    private int _revocations;
    private int _minted;

    private FakeVaultServer(WebApplication app, ManualClock clock)
    {
        _app = app;
        _clock = clock;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>Roles by "mount/role".</summary>
    public ConcurrentDictionary<string, VaultRole> Roles { get; } = new();

    /// <summary>The namespace this Vault's secrets and auth live in; null = root only.</summary>
    public string? Namespace { get; set; }

    public bool Sealed { get; set; }

    /// <summary>Requests to paths starting with this never answer (until the client gives up).</summary>
    public string? HangPrefix { get; set; }

    public int LoginCount => Volatile.Read(ref _logins);

    public int RenewCount => Volatile.Read(ref _renewals);

    public int RevokeCount => Volatile.Read(ref _revocations);

    public int MintCount => Volatile.Read(ref _minted);

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Secret calls as (who, "METHOD /v1/path?query"); who = "ns/sa" of the login, or "static:role".</summary>
    public ConcurrentQueue<(string Who, string Request)> SecretCalls { get; } = new();

    /// <summary>Calls to paths starting with a key fail with that status and Vault error (e.g. 500 "internal error").</summary>
    public ConcurrentDictionary<string, (int Status, string Error)> FailingPrefixes { get; } = new();

    public ConcurrentQueue<string> Bodies { get; } = new();

    /// <summary>When set, every secret call (not login, not sys/) passes through it before it is answered.</summary>
    public CsiDriver.Tests.Infrastructure.ConcurrencyGate? Gate { get; set; }

    public TimeSpan DatabaseLeaseTtl { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan DatabaseLeaseMaxTtl { get; set; } = TimeSpan.FromHours(24);

    public IReadOnlyCollection<string> LiveLeases => _leases.Keys.ToList();

    public static async Task<FakeVaultServer> StartAsync(ManualClock clock, HttpsConnectionAdapterOptions? https = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        if (https is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            if (https is not null)
            {
                l.UseHttps(https);
            }
        }));
        var app = builder.Build();
        var server = new FakeVaultServer(app, clock);
        server.Roles["kubernetes/app"] = new VaultRole("vault", "default", "app-sa");
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(address);
        return server;
    }

    /// <summary>Writes a new KV v2 version (as <c>vault kv put secret/&lt;path&gt;</c>).</summary>
    public int PutKv2(string path, Dictionary<string, object?> data)
    {
        var versions = _kv2.GetOrAdd(path, _ => []);
        lock (versions)
        {
            versions.Add(data);
            return versions.Count;
        }
    }

    public void PutKv1(string path, Dictionary<string, object?> data) => _kv1[path] = data;

    /// <summary>A token as <c>vault token create -role</c> would give (for nodePublishSecretRef tests).</summary>
    public string IssueToken(string roleKey = "kubernetes/app")
    {
        var token = "hvs." + Guid.NewGuid().ToString("N");
        _tokens[token] = (_clock.GetUtcNow() + TimeSpan.FromHours(1), roleKey, Namespace ?? string.Empty, "static:" + roleKey);
        return token;
    }

    /// <summary>Secret calls by <paramref name="who"/> ("ns/sa") whose "METHOD path?query" starts with <paramref name="request"/>.</summary>
    public int Calls(string who, string request) => SecretCalls.Count(c => c.Who == who && c.Request.StartsWith(request, StringComparison.Ordinal));

    /// <summary>Secret calls whose "METHOD path?query" starts with <paramref name="request"/>, by anyone.</summary>
    public int Calls(string request) => SecretCalls.Count(c => c.Request.StartsWith(request, StringComparison.Ordinal));

    /// <summary>Drops every lease (as a Vault restore or a revoked parent token would).</summary>
    public void DropAllLeases() => _leases.Clear();

    /// <summary>Revokes every token (as if they all expired server-side).</summary>
    public void RevokeAllTokens() => _tokens.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        Requests.Enqueue($"{request.Method} {path}{request.QueryString}");
        var body = await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
        Bodies.Enqueue(body);

        if (HangPrefix is { } hang && path.StartsWith(hang, StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (Sealed)
        {
            await Error(context, 503, "Vault is sealed");
            return;
        }

        if (request.Headers["X-Vault-Request"] != "true")
        {
            await Error(context, 400, "missing X-Vault-Request header");
            return;
        }

        var ns = request.Headers["X-Vault-Namespace"].ToString();
        if ((Namespace ?? string.Empty) != ns)
        {
            // Paths in another namespace do not exist from this caller's point of view.
            await Error(context, 404, $"no handler for route \"{path.TrimStart('/')}\". route entry not found.");
            return;
        }

        if (await TryAppRoleLoginAsync(context, path, body))
        {
            return;
        }

        if (request.Method == "POST" && path.StartsWith("/v1/auth/", StringComparison.Ordinal) && path.EndsWith("/login", StringComparison.Ordinal))
        {
            await LoginAsync(context, path["/v1/auth/".Length..^"/login".Length], body);
            return;
        }

        var token = request.Headers["X-Vault-Token"].ToString();
        if (token.Length == 0 || !_tokens.TryGetValue(token, out var session) || session.Expires <= _clock.GetUtcNow())
        {
            await Error(context, 403, "permission denied");
            return;
        }

        if (!path.StartsWith("/v1/sys/", StringComparison.Ordinal))
        {
            SecretCalls.Enqueue((session.Who, $"{request.Method} {path}{request.QueryString}"));
        }

        using var inGate = Gate is { } gate && !path.StartsWith("/v1/sys/", StringComparison.Ordinal) ? await gate.EnterAsync(context.RequestAborted) : null;

        if (Roles.TryGetValue(session.Role, out var role) && role.DeniedPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
        {
            await Error(context, 403, "permission denied");
            return;
        }

        if (FailingPrefixes.FirstOrDefault(f => path.StartsWith(f.Key, StringComparison.Ordinal)) is { Key: not null } failing)
        {
            await Error(context, failing.Value.Status, failing.Value.Error);
            return;
        }

        if (await TryListAsync(context, path))
        {
            return;
        }

        if (await TryWriteKvAsync(context, request.Method, path, body))
        {
            return;
        }

        switch (request.Method, path)
        {
            case ("GET", _) when path.StartsWith("/v1/secret/data/", StringComparison.Ordinal):
                await ReadKv2Async(context, path["/v1/secret/data/".Length..]);
                break;
            case ("GET", _) when path.StartsWith("/v1/secret/metadata/", StringComparison.Ordinal):
                await ReadKv2MetadataAsync(context, path["/v1/secret/metadata/".Length..]);
                break;
            case ("GET", _) when path.StartsWith("/v1/kv/", StringComparison.Ordinal):
                await ReadKv1Async(context, path["/v1/kv/".Length..]);
                break;
            case ("GET", _) when path.StartsWith("/v1/database/creds/", StringComparison.Ordinal):
                await MintAsync(context, path["/v1/database/creds/".Length..]);
                break;
            case ("PUT" or "POST", _) when path.StartsWith("/v1/pki/issue/", StringComparison.Ordinal):
                await IssueCertificateAsync(context, body);
                break;
            case ("PUT", "/v1/sys/leases/renew"):
                await RenewAsync(context, body);
                break;
            case ("PUT", "/v1/sys/leases/revoke"):
                await RevokeAsync(context, body);
                break;
            default:
                await Error(context, 404, $"no handler for route \"{path.TrimStart('/')}\". route entry not found.");
                break;
        }
    }

    private async Task LoginAsync(HttpContext context, string mount, string body)
    {
        Interlocked.Increment(ref _logins);
        var login = JsonNode.Parse(body.Length == 0 ? "{}" : body);
        var jwt = login?["jwt"]?.GetValue<string>();
        var roleName = login?["role"]?.GetValue<string>();
        if (string.IsNullOrEmpty(jwt))
        {
            await Error(context, 400, "missing jwt");
            return;
        }

        if (string.IsNullOrEmpty(roleName) || !Roles.TryGetValue($"{mount}/{roleName}", out var role))
        {
            await Error(context, 400, $"invalid role name \"{roleName}\"");
            return;
        }

        var claims = TestJwt.Decode(jwt);
        var audiences = claims is { } c && c.TryGetProperty("aud", out var aud) && aud.ValueKind == JsonValueKind.Array
            ? aud.EnumerateArray().Select(a => a.GetString()).ToList()
            : [];
        var subject = claims is { } c2 && c2.TryGetProperty("sub", out var sub) ? sub.GetString() : null;
        // Like bound_service_account_names, the role may name several accounts (comma-separated).
        var bound = role.BoundServiceAccount.Split(',').Select(a => $"system:serviceaccount:{role.BoundNamespace}:{a.Trim()}");
        if (!audiences.Contains(role.Audience) || !bound.Contains(subject))
        {
            await Error(context, 403, "permission denied");
            return;
        }

        var token = "hvs." + Guid.NewGuid().ToString("N");
        _tokens[token] = (_clock.GetUtcNow() + role.TokenTtl, $"{mount}/{roleName}", Namespace ?? string.Empty, subject!["system:serviceaccount:".Length..].Replace(':', '/'));
        await Json(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            lease_id = "",
            renewable = false,
            lease_duration = 0,
            data = (object?)null,
            auth = new { client_token = token, accessor = "acc", policies = new[] { "default", roleName }, lease_duration = (long)role.TokenTtl.TotalSeconds, renewable = true },
        });
    }

    private async Task ReadKv2Async(HttpContext context, string path)
    {
        if (!_kv2.TryGetValue(path, out var versions))
        {
            await Error(context, 404);
            return;
        }

        int count;
        Dictionary<string, object?> data;
        lock (versions)
        {
            count = versions.Count;
            var wanted = context.Request.Query.TryGetValue("version", out var v) && int.TryParse(v, out var n) ? n : count;
            if (wanted < 1 || wanted > count)
            {
                data = null!;
            }
            else
            {
                data = versions[wanted - 1];
                count = wanted;
            }
        }

        if (data is null)
        {
            await Error(context, 404);
            return;
        }

        await Json(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            lease_id = "",
            renewable = false,
            lease_duration = 0,
            data = new
            {
                data,
                metadata = new { created_time = "2026-01-01T00:00:00.000000Z", custom_metadata = (object?)null, deletion_time = "", destroyed = false, version = count },
            },
            wrap_info = (object?)null,
            warnings = (object?)null,
            auth = (object?)null,
            mount_type = "kv",
        });
    }

    private async Task ReadKv1Async(HttpContext context, string path)
    {
        if (!_kv1.TryGetValue(path, out var data))
        {
            await Error(context, 404);
            return;
        }

        await Json(context, 200, new { request_id = Guid.NewGuid().ToString(), lease_id = "", renewable = false, lease_duration = 2764800, data, wrap_info = (object?)null, warnings = (object?)null, auth = (object?)null });
    }

    private async Task MintAsync(HttpContext context, string role)
    {
        var n = Interlocked.Increment(ref _minted);
        var leaseId = $"database/creds/{role}/{Guid.NewGuid():N}";
        var now = _clock.GetUtcNow();
        _leases[leaseId] = new Lease(now + DatabaseLeaseTtl, now + DatabaseLeaseMaxTtl);
        await Json(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            lease_id = leaseId,
            renewable = true,
            lease_duration = (long)DatabaseLeaseTtl.TotalSeconds,
            data = new { username = $"v-{role}-{n}", password = $"pw-{n}-{Guid.NewGuid():N}" },
            warnings = (object?)null,
        });
    }

    private async Task IssueCertificateAsync(HttpContext context, string body)
    {
        var args = JsonNode.Parse(body.Length == 0 ? "{}" : body);
        var cn = args?["common_name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(cn))
        {
            await Error(context, 400, "the common_name field is required, or must be provided in a CSR with \"use_csr_common_name\" set to true");
            return;
        }

        Interlocked.Increment(ref _minted);
        await Json(context, 200, new
        {
            request_id = Guid.NewGuid().ToString(),
            lease_id = "",
            renewable = false,
            lease_duration = 0,
            data = new { certificate = $"-----BEGIN CERTIFICATE-----\nCN={cn}\n-----END CERTIFICATE-----", private_key = "-----BEGIN RSA PRIVATE KEY-----\nkey\n-----END RSA PRIVATE KEY-----", serial_number = "01:02", ttl = args?["ttl"]?.ToJsonString() },
        });
    }

    private async Task RenewAsync(HttpContext context, string body)
    {
        Interlocked.Increment(ref _renewals);
        var args = JsonNode.Parse(body.Length == 0 ? "{}" : body);
        var leaseId = args?["lease_id"]?.GetValue<string>() ?? string.Empty;
        var increment = args?["increment"]?.GetValue<long>() ?? 0;
        var now = _clock.GetUtcNow();
        if (!_leases.TryGetValue(leaseId, out var lease) || lease.Expires <= now)
        {
            await Error(context, 400, "lease not found");
            return;
        }

        var wanted = now + TimeSpan.FromSeconds(increment > 0 ? increment : DatabaseLeaseTtl.TotalSeconds);
        var expires = wanted < lease.MaxExpires ? wanted : lease.MaxExpires;
        _leases[leaseId] = lease with { Expires = expires };
        await Json(context, 200, new { request_id = Guid.NewGuid().ToString(), lease_id = leaseId, renewable = true, lease_duration = (long)(expires - now).TotalSeconds, data = (object?)null });
    }

    private async Task RevokeAsync(HttpContext context, string body)
    {
        Interlocked.Increment(ref _revocations);
        var leaseId = JsonNode.Parse(body.Length == 0 ? "{}" : body)?["lease_id"]?.GetValue<string>() ?? string.Empty;
        _leases.TryRemove(leaseId, out _);
        context.Response.StatusCode = 204;
        await context.Response.CompleteAsync();
    }

    private static Task Error(HttpContext context, int status, params string[] errors) => Json(context, status, new { errors });

    private static async Task Json(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private sealed record Lease(DateTimeOffset Expires, DateTimeOffset MaxExpires);
}

/// <summary>A Kubernetes/JWT auth role: who may log in (audience, bound service account) and for how long.</summary>
public sealed record VaultRole(string Audience, string BoundNamespace, string BoundServiceAccount)
{
    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromMinutes(20);

    public IReadOnlyList<string> DeniedPrefixes { get; init; } = [];
}
