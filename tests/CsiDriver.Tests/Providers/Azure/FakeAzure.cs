using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// Loopback HTTPS stand-ins for Entra ID (v2 token endpoint), IMDS, aad-pod-identity NMI and the
/// Key Vault data plane, speaking their wire formats: Key Vault demands api-version, answers
/// unauthenticated requests with a 401 Bearer challenge, accepts only tokens this Entra ID issued
/// for the vault scope, and fails with Key Vault's JSON error bodies.
/// </summary>
internal sealed partial class FakeAzure : IAsyncDisposable
{
    public const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string VaultName = "kv-test";
    public const string VaultBase = "https://kv-test.vault.azure.net";
    public const string ApiVersion = "7.4";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Scope, string Identity)> _issued = new();
    private readonly ConcurrentDictionary<(string Client, string Assertion), bool> _federations = new();
    private readonly ConcurrentDictionary<(string Identity, string Name), bool> _denied = new();
    private int _throttle;
    private readonly ConcurrentDictionary<string, List<StoredVersion>> _objects = new();
    private int _created = 1_600_000_000;

    private FakeAzure(WebApplication app, X509Certificate2 ca)
    {
        _app = app;
        Ca = ca;
    }

    public X509Certificate2 Ca { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Client id -> the only assertion (pod token) Entra ID accepts for it.</summary>
    public ConcurrentDictionary<string, string> FederatedClients { get; } = new();

    /// <summary>Client id -> client secret.</summary>
    public ConcurrentDictionary<string, string> SecretClients { get; } = new();

    /// <summary>The scope Key Vault's challenge names (newer vaults send scope=, older resource=).</summary>
    public string ChallengeResource { get; set; } = "https://vault.azure.net";

    public bool ChallengeWithScope { get; set; }

    /// <summary>Key Vault refuses every token (as when the tenant or audience is wrong).</summary>
    public bool RejectTokens { get; set; }

    public int TokenLifetimeSeconds { get; set; } = 3599;

    public ConcurrentQueue<string> Log { get; } = new();

    public ConcurrentQueue<Dictionary<string, string>> TokenForms { get; } = new();

    public int TokenRequests => TokenForms.Count + Log.Count(l => l.StartsWith("IMDS", StringComparison.Ordinal) || l.StartsWith("NMI", StringComparison.Ordinal));

    /// <summary>Requests that reached Key Vault with or without a token.</summary>
    public ConcurrentQueue<(string PathAndQuery, bool Authorized)> VaultRequests { get; } = new();

    /// <summary>Authorised object requests (GETs and version listings), by the identity the token was issued to.</summary>
    public ConcurrentQueue<(string Identity, string Path)> VaultReads { get; } = new();

    /// <summary>When set, every authorised Key Vault request passes through it before it is answered.</summary>
    public CsiDriver.Tests.Infrastructure.ConcurrencyGate? Gate { get; set; }

    /// <summary>The Retry-After header of throttled answers; null sends none.</summary>
    public string? ThrottleRetryAfter { get; set; } = "7";

    /// <summary>Authorised object reads by <paramref name="identity"/> (e.g. <c>aad:&lt;client&gt;</c>) of <paramref name="path"/>.</summary>
    public int Reads(string identity, string path) => VaultReads.Count(r => r.Identity == identity && r.Path == path);

    /// <summary>Entra ID also accepts <paramref name="assertion"/> for <paramref name="client"/> (another pod of a federated service account).</summary>
    public void Federate(string client, string assertion) => _federations[(client, assertion)] = true;

    /// <summary>Key Vault refuses <paramref name="identity"/> access to objects named <paramref name="name"/> (403 ForbiddenByRbac).</summary>
    public void Deny(string identity, string name) => _denied[(identity, name)] = true;

    /// <summary>The next <paramref name="count"/> authorised object requests answer 429 (Retry-After: <see cref="ThrottleRetryAfter"/>).</summary>
    public void Throttle(int count) => Volatile.Write(ref _throttle, count);

    public static async Task<FakeAzure> StartAsync()
    {
        var ca = TestPki.CreateCa("fake azure ca");
        var serverCert = TestPki.CreateLeaf(ca, "127.0.0.1");
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serverCert)));
        var app = builder.Build();
        var fake = new FakeAzure(app, ca);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return fake;
    }

    // ---- store ----

    public string AddSecret(string name, string value, string? contentType = null, bool certificateBacked = false, bool enabled = true)
    {
        var version = NewVersion();
        var body = new JsonObject
        {
            ["value"] = value,
            ["id"] = $"{VaultBase}/secrets/{name}/{version}",
            ["attributes"] = Attributes(enabled),
        };
        if (contentType is not null)
        {
            body["contentType"] = contentType;
        }

        if (certificateBacked)
        {
            body["kid"] = $"{VaultBase}/keys/{name}/{version}";
            body["managed"] = true;
        }

        Add("secrets", name, version, body, enabled);
        return version;
    }

    public string AddKey(string name, JsonObject jwk)
    {
        var version = NewVersion();
        jwk["kid"] = $"{VaultBase}/keys/{name}/{version}";
        Add("keys", name, version, new JsonObject { ["key"] = jwk, ["attributes"] = Attributes(true) }, true);
        return version;
    }

    public string AddCertificate(string name, X509Certificate2 leaf)
    {
        var version = NewVersion();
        Add("certificates", name, version, new JsonObject
        {
            ["id"] = $"{VaultBase}/certificates/{name}/{version}",
            ["kid"] = $"{VaultBase}/keys/{name}/{version}",
            ["sid"] = $"{VaultBase}/secrets/{name}/{version}",
            ["x5t"] = Convert.ToBase64String(leaf.GetCertHash()).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            ["cer"] = Convert.ToBase64String(leaf.RawData),
            ["attributes"] = Attributes(true),
        }, true);
        return version;
    }

    private JsonObject Attributes(bool enabled)
    {
        var created = Interlocked.Add(ref _created, 100);
        return new JsonObject { ["enabled"] = enabled, ["created"] = created, ["updated"] = created, ["recoveryLevel"] = "Recoverable+Purgeable" };
    }

    private void Add(string collection, string name, string version, JsonObject body, bool enabled)
    {
        var list = _objects.GetOrAdd($"{collection}/{name}", _ => []);
        lock (list)
        {
            list.Add(new StoredVersion(version, body, enabled, body["attributes"]!["created"]!.GetValue<int>()));
        }
    }

    private static string NewVersion() => Guid.NewGuid().ToString("N");

    // ---- HTTP ----

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (context.Request.Method == "POST" && path.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal))
        {
            await TokenAsync(context, path);
        }
        else if (path == "/metadata/identity/oauth2/token")
        {
            await ImdsAsync(context);
        }
        else if (path == "/host/token/")
        {
            await NmiAsync(context);
        }
        else
        {
            await VaultAsync(context, path);
        }
    }

    private async Task TokenAsync(HttpContext context, string path)
    {
        var form = (await context.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        TokenForms.Enqueue(form);
        var tenant = path.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
        string Get(string key) => form.TryGetValue(key, out var v) ? v : string.Empty;
        if (tenant != Tenant)
        {
            await AadError(context, 400, "invalid_request", 90002);
            return;
        }

        if (Get("grant_type") != "client_credentials" || !Get("scope").EndsWith("/.default", StringComparison.Ordinal))
        {
            await AadError(context, 400, "invalid_request", 900144);
            return;
        }

        var client = Get("client_id");
        bool ok;
        if (form.ContainsKey("client_assertion"))
        {
            ok = Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
                 ((FederatedClients.TryGetValue(client, out var expected) && expected == Get("client_assertion")) || _federations.ContainsKey((client, Get("client_assertion"))) || FederatedBySubject(client, Get("client_assertion")) ||
                  CertificateAssertionValid(context, client, Get("client_assertion")));
        }
        else
        {
            ok = SecretClients.TryGetValue(client, out var secret) && secret == Get("client_secret");
        }

        if (!ok)
        {
            await AadError(context, 401, "invalid_client", form.ContainsKey("client_assertion") ? (CertificateClients.ContainsKey(client) ? 700027 : 700213) : 7000215);
            return;
        }

        await Json(context, 200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = TokenLifetimeSeconds,
            ["ext_expires_in"] = TokenLifetimeSeconds,
            ["access_token"] = Issue("aad:" + client, Get("scope")),
        });
    }

    private async Task ImdsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        Log.Enqueue($"IMDS client_id={query["client_id"]}");
        if (context.Request.Headers["Metadata"] != "true" || query["api-version"] != "2018-02-01" || string.IsNullOrEmpty(query["resource"]))
        {
            await Json(context, 400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Required metadata header not specified" });
            return;
        }

        var identity = string.IsNullOrEmpty(query["client_id"]) ? "mi:system" : "mi:" + query["client_id"];
        await Json(context, 200, new JsonObject
        {
            ["access_token"] = Issue(identity, query["resource"] + "/.default"),
            ["expires_in"] = TokenLifetimeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["expires_on"] = "1700000000",
            ["resource"] = query["resource"].ToString(),
            ["token_type"] = "Bearer",
        });
    }

    private async Task NmiAsync(HttpContext context)
    {
        var ns = context.Request.Headers["podns"].ToString();
        var pod = context.Request.Headers["podname"].ToString();
        Log.Enqueue($"NMI {ns}/{pod}");
        if (ns.Length == 0 || pod.Length == 0)
        {
            context.Response.StatusCode = 400;
            return;
        }

        if (pod == "unbound")
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("no AzureIdentity found for pod default/unbound");
            return;
        }

        await Json(context, 200, new JsonObject
        {
            ["token"] = new JsonObject
            {
                ["access_token"] = Issue($"nmi:{ns}/{pod}", context.Request.Query["resource"] + "/.default"),
                ["expires_in"] = TokenLifetimeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["resource"] = context.Request.Query["resource"].ToString(),
                ["token_type"] = "Bearer",
            },
            ["clientid"] = "00000000-0000-0000-0000-00000000abcd",
        });
    }

    private async Task VaultAsync(HttpContext context, string path)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        VaultRequests.Enqueue((path + context.Request.QueryString, authorization.Length > 0));
        if (context.Request.Query["api-version"] != ApiVersion)
        {
            await VaultError(context, 400, "BadParameter", $"The specified version ({context.Request.Query["api-version"]}) is not recognized. Consider using the latest supported version ({ApiVersion}).");
            return;
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            await Challenge(context, "AKV10000: Request is missing a Bearer or PoP token.");
            return;
        }

        if (RejectTokens || !_issued.TryGetValue(authorization["Bearer ".Length..], out var issued) || issued.Scope != ChallengeResource + "/.default")
        {
            await Challenge(context, "AKV10022: Invalid audience.");
            return;
        }

        VaultReads.Enqueue((issued.Identity, path));
        using var inGate = Gate is { } gate ? await gate.EnterAsync(context.RequestAborted) : null;
        if (TakeThrottle())
        {
            if (ThrottleRetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = ThrottleRetryAfter;
            }

            await VaultError(context, 429, "Throttled", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached");
            return;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (context.Request.Method is "PUT" or "DELETE" && segments is ["secrets", var written])
        {
            await WriteSecretAsync(context, written);
            return;
        }

        if (segments is ["secrets"])
        {
            await ListSecretsAsync(context);
            return;
        }

        if (segments.Length < 2 || segments[0] is not ("secrets" or "keys" or "certificates"))
        {
            await VaultError(context, 400, "BadParameter", "Request URL is invalid.");
            return;
        }

        var (collection, name) = (segments[0], segments[1]);
        var notFound = collection switch { "secrets" => "SecretNotFound", "keys" => "KeyNotFound", _ => "CertificateNotFound" };
        if (name == "denied" || _denied.ContainsKey((issued.Identity, name)))
        {
            await VaultError(context, 403, "Forbidden", "Caller is not authorized to perform action on resource.", "ForbiddenByRbac");
            return;
        }

        if (name == "hang")
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (name == "broken")
        {
            context.Response.StatusCode = 502;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>Bad Gateway</html>");
            return;
        }

        if (!_objects.TryGetValue($"{collection}/{name}", out var versions))
        {
            await VaultError(context, 404, notFound, $"A {collection.TrimEnd('s')} with (name/id) {name} was not found in this key vault.");
            return;
        }

        List<StoredVersion> snapshot;
        lock (versions)
        {
            snapshot = [.. versions];
        }

        if (segments.Length == 3 && segments[2] == "versions")
        {
            await ListVersions(context, collection, name, snapshot);
            return;
        }

        var stored = segments.Length == 3
            ? snapshot.FirstOrDefault(v => v.Version == segments[2])
            : snapshot.LastOrDefault(v => v.Enabled);
        if (stored is null)
        {
            await VaultError(context, 404, notFound, $"A {collection.TrimEnd('s')} with (name/id) {name}/{(segments.Length == 3 ? segments[2] : string.Empty)} was not found in this key vault.");
            return;
        }

        await Json(context, 200, stored.Body.DeepClone());
    }

    private bool TakeThrottle()
    {
        while (true)
        {
            var left = Volatile.Read(ref _throttle);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _throttle, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private async Task ListVersions(HttpContext context, string collection, string name, List<StoredVersion> versions)
    {
        var skip = int.TryParse(context.Request.Query["$skiptoken"], out var s) ? s : 0;
        var page = versions.Skip(skip).Take(2).ToList();
        var items = new JsonArray();
        foreach (var v in page)
        {
            var item = new JsonObject { ["attributes"] = v.Body["attributes"]!.DeepClone() };
            item[collection == "keys" ? "kid" : "id"] = $"{VaultBase}/{collection}/{name}/{v.Version}";
            items.Add(item);
        }

        var result = new JsonObject { ["value"] = items };
        result["nextLink"] = skip + 2 < versions.Count ? $"{VaultBase}/{collection}/{name}/versions?api-version={ApiVersion}&$skiptoken={skip + 2}" : null;
        await Json(context, 200, result);
    }

    private async Task Challenge(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = ChallengeWithScope
            ? $"Bearer authorization=\"https://login.microsoftonline.com/{Tenant}\", scope=\"{ChallengeResource}/.default\""
            : $"Bearer authorization=\"https://login.microsoftonline.com/{Tenant}\", resource=\"{ChallengeResource}\"";
        await VaultError(context, 401, "Unauthorized", message);
    }

    private string Issue(string identity, string scope)
    {
        var token = "eyJ0eXAiOiJKV1QifQ.fake-access-token." + Guid.NewGuid().ToString("N");
        _issued[token] = (scope, identity);
        Log.Enqueue($"issued {identity} {scope}");
        return token;
    }

    public bool WasIssued(string token) => _issued.ContainsKey(token);

    public IEnumerable<string> IssuedTokens => _issued.Keys;

    private static Task VaultError(HttpContext context, int status, string code, string message, string? inner = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (inner is not null)
        {
            error["innererror"] = new JsonObject { ["code"] = inner };
        }

        return Json(context, status, new JsonObject { ["error"] = error });
    }

    private static Task AadError(HttpContext context, int status, string error, int code) => Json(context, status, new JsonObject
    {
        ["error"] = error,
        ["error_description"] = $"AADSTS{code}: the request was refused. Trace ID: {Guid.NewGuid()}",
        ["error_codes"] = new JsonArray(code),
        ["timestamp"] = "2026-01-01 00:00:00Z",
    });

    private static async Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record StoredVersion(string Version, JsonObject Body, bool Enabled, int Created);
}
