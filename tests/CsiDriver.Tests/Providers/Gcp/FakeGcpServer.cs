using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Gcp;

/// <summary>
/// Loopback Google endpoints speaking the REST wire format: STS token exchange, IAM Credentials
/// generateAccessToken, Secret Manager :access (global and regional under /r/{location}), Parameter
/// Manager :render, the GCE metadata server and an OAuth JWT-bearer token URI. Each checks what the
/// real service checks (bearer tokens, audiences, signatures, IAM) and fails with Google error bodies.
/// </summary>
public sealed partial class FakeGcpServer : IAsyncDisposable
{
    public const string ProjectNumber = "123456789";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    private FakeGcpServer(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Secret path ("projects/p/secrets/s" or regional) to its versions, version 1 first.</summary>
    public ConcurrentDictionary<string, List<byte[]>> Secrets { get; } = new(StringComparer.Ordinal);

    /// <summary>Secret path to principals allowed to access it ("fed:ns/sa", "gsa:email", "key:email", "node").</summary>
    public ConcurrentDictionary<string, HashSet<string>> Readers { get; } = new(StringComparer.Ordinal);

    /// <summary>Parameter version path to its rendered payload.</summary>
    public ConcurrentDictionary<string, byte[]> Parameters { get; } = new(StringComparer.Ordinal);

    /// <summary>Google service account email to federated principals allowed to impersonate it.</summary>
    public ConcurrentDictionary<string, HashSet<string>> TokenCreators { get; } = new(StringComparer.Ordinal);

    /// <summary>Service account email to the public key its key.json private key must sign with.</summary>
    public ConcurrentDictionary<string, RSA> ServiceAccountKeys { get; } = new(StringComparer.Ordinal);

    public string ExpectedPool { get; set; } = "my-proj.svc.id.goog";

    public string ExpectedExchangeAudience { get; set; } =
        "identitynamespace:my-proj.svc.id.goog:https://container.googleapis.com/v1/projects/my-proj/locations/us-central1/clusters/prod";

    /// <summary>The clock generateAccessToken's expireTime is based on (the driver's clock in rotation tests).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public bool CorruptCrc { get; set; }

    public bool OmitCrc { get; set; }

    public bool HangAccess { get; set; }

    /// <summary>Token exchanges wait (counted) until <see cref="ReleaseSts"/> or the client goes away.</summary>
    public bool HoldSts { get; set; }

    private readonly TaskCompletionSource _stsGate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseSts() => _stsGate.TrySetResult();

    /// <summary>Statuses the next :access calls answer with before serving normally.</summary>
    public ConcurrentQueue<(int Code, string Status)> AccessFailures { get; } = new();

    public ConcurrentDictionary<string, int> AccessCalls { get; } = new(StringComparer.Ordinal);

    /// <summary>:access and :render calls by "principal|resource name" ("none" when the bearer is unknown).</summary>
    public ConcurrentDictionary<string, int> ReadsByPrincipal { get; } = new(StringComparer.Ordinal);

    /// <summary>:access and :render calls since the last <see cref="ResetCounts"/>.</summary>
    public int TotalReads => ReadsByPrincipal.Values.Sum();

    private int _stsCalls;
    private int _iamCalls;
    private int _metadataCalls;
    private int _tokenUriCalls;

    public int StsCalls => Volatile.Read(ref _stsCalls);

    public int IamCalls => Volatile.Read(ref _iamCalls);

    public int MetadataCalls => Volatile.Read(ref _metadataCalls);

    public int TokenUriCalls => Volatile.Read(ref _tokenUriCalls);

    public JsonObject? LastStsBody { get; private set; }

    public JsonObject? LastIamBody { get; private set; }

    public string? LastIamBearer { get; private set; }

    public static async Task<FakeGcpServer> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeGcpServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUri = new Uri(app.Urls.First());
        return server;
    }

    public void AddVersion(string secretPath, string value) =>
        Secrets.AddOrUpdate(secretPath, _ => [Encoding.UTF8.GetBytes(value)], (_, list) => { lock (list) { list.Add(Encoding.UTF8.GetBytes(value)); } return list; });

    public void Allow(string secretPath, string principal) =>
        Readers.AddOrUpdate(secretPath, _ => [principal], (_, set) => { lock (set) { set.Add(principal); } return set; });

    /// <summary>A Kubernetes-style service account JWT (unsigned: the fake checks claims, as STS checks them against the issuer).</summary>
    public static string KubernetesToken(string audience, string @namespace = "default", string serviceAccount = "app")
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = new JsonObject
        {
            ["aud"] = new JsonArray(audience),
            ["sub"] = $"system:serviceaccount:{@namespace}:{serviceAccount}",
            ["exp"] = 4102444800,
            ["kubernetes.io"] = new JsonObject { ["namespace"] = @namespace },
        }.ToJsonString();
        return $"{B64("""{"alg":"RS256","kid":"k"}""")}.{B64(payload)}.c2lnbmF0dXJl-{Guid.NewGuid():N}";
    }

    /// <summary>How often <paramref name="principal"/> read <paramref name="name"/> (":access" or ":render", any outcome).</summary>
    public int Reads(string principal, string name) => ReadsByPrincipal.GetValueOrDefault($"{principal}|{name}");

    public void ResetCounts()
    {
        AccessCalls.Clear();
        ReadsByPrincipal.Clear();
        Interlocked.Exchange(ref _stsCalls, 0);
        Interlocked.Exchange(ref _iamCalls, 0);
        Interlocked.Exchange(ref _metadataCalls, 0);
        Interlocked.Exchange(ref _tokenUriCalls, 0);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (path.StartsWith("/computeMetadata/v1/", StringComparison.Ordinal))
        {
            await MetadataAsync(context, path["/computeMetadata/v1/".Length..]);
        }
        else if (context.Request.Method == "POST" && path is "/v1/identitybindingtoken" or "/v1/token")
        {
            await ExchangeAsync(context);
        }
        else if (context.Request.Method == "POST" && path.StartsWith("/v1/projects/-/serviceAccounts/", StringComparison.Ordinal) && path.EndsWith(":generateAccessToken", StringComparison.Ordinal))
        {
            await GenerateAccessTokenAsync(context, path["/v1/projects/-/serviceAccounts/".Length..^":generateAccessToken".Length]);
        }
        else if (context.Request.Method == "POST" && path == "/token")
        {
            await JwtBearerAsync(context);
        }
        else if (context.Request.Method == "GET" && path.EndsWith(":access", StringComparison.Ordinal))
        {
            await AccessAsync(context, path);
        }
        else if (context.Request.Method == "GET" && path.EndsWith(":render", StringComparison.Ordinal))
        {
            await RenderAsync(context, path);
        }
        else if (await TryHandleSecretAdminAsync(context, path))
        {
        }
        else
        {
            await Error(context, 404, "NOT_FOUND", $"no route for {context.Request.Method} {path}");
        }
    }

    private async Task MetadataAsync(HttpContext context, string path)
    {
        Interlocked.Increment(ref _metadataCalls);
        if (context.Request.Headers["Metadata-Flavor"] != "Google")
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync("Missing required header \"Metadata-Flavor\": \"Google\"");
            return;
        }

        switch (path)
        {
            case "project/project-id":
                await context.Response.WriteAsync("my-proj");
                break;
            case "instance/attributes/cluster-location":
                await context.Response.WriteAsync("us-central1");
                break;
            case "instance/attributes/cluster-name":
                await context.Response.WriteAsync("prod");
                break;
            case "instance/service-accounts/default/token":
                await context.Response.WriteAsJsonAsync(new { access_token = Issue("node"), expires_in = 3599, token_type = "Bearer" });
                break;
            default:
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("Not Found");
                break;
        }
    }

    private async Task ExchangeAsync(HttpContext context)
    {
        Interlocked.Increment(ref _stsCalls);
        if (HoldSts)
        {
            await _stsGate.Task.WaitAsync(context.RequestAborted);
        }

        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            await OAuthError(context, 400, "invalid_request", "Content-Type must be application/json");
            return;
        }

        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        LastStsBody = body;
        string? Field(string name) => body[name]?.GetValue<string>();
        if (Field("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" ||
            Field("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt" ||
            Field("requested_token_type") != "urn:ietf:params:oauth:token-type:access_token" ||
            Field("scope") != "https://www.googleapis.com/auth/cloud-platform")
        {
            await OAuthError(context, 400, "invalid_request", "unsupported grant or token type");
            return;
        }

        if (Field("audience") != ExpectedExchangeAudience)
        {
            await OAuthError(context, 400, "invalid_target", $"The target service indicated by the \"audience\" parameters is invalid: {Field("audience")}");
            return;
        }

        var claims = Claims(Field("subject_token") ?? string.Empty);
        if (claims is null || claims["aud"]?.AsArray().Any(a => a?.GetValue<string>() == ExpectedPool || a?.GetValue<string>() == ExpectedExchangeAudience) != true)
        {
            await OAuthError(context, 400, "invalid_grant", "The audience in ID Token does not match the expected audience.");
            return;
        }

        var sub = claims["sub"]!.GetValue<string>().Split(':');
        await context.Response.WriteAsJsonAsync(new { access_token = Issue($"fed:{sub[2]}/{sub[3]}"), issued_token_type = "urn:ietf:params:oauth:token-type:access_token", token_type = "Bearer", expires_in = 3600 });
    }

    private async Task GenerateAccessTokenAsync(HttpContext context, string email)
    {
        Interlocked.Increment(ref _iamCalls);
        var principal = Principal(context, out var bearer);
        LastIamBearer = bearer;
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        LastIamBody = body;
        if (principal is null)
        {
            await Error(context, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
            return;
        }

        if (!principal.StartsWith("fed:", StringComparison.Ordinal) || !TokenCreators.TryGetValue(email, out var creators) || !creators.Contains(principal))
        {
            await Error(context, 403, "PERMISSION_DENIED", "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).");
            return;
        }

        if (body["scope"]?.AsArray().Any(s => s?.GetValue<string>() == "https://www.googleapis.com/auth/cloud-platform") != true)
        {
            await Error(context, 400, "INVALID_ARGUMENT", "Scope required.");
            return;
        }

        await context.Response.WriteAsJsonAsync(new { accessToken = Issue($"gsa:{email}"), expireTime = Clock.GetUtcNow().AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ") });
    }

    private async Task JwtBearerAsync(HttpContext context)
    {
        Interlocked.Increment(ref _tokenUriCalls);
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            await OAuthError(context, 400, "unsupported_grant_type", "Invalid grant_type");
            return;
        }

        var parts = form["assertion"].ToString().Split('.');
        var claims = parts.Length == 3 ? JsonNode.Parse(FromBase64Url(parts[1]))?.AsObject() : null;
        var email = claims?["iss"]?.GetValue<string>();
        if (claims is null || email is null || !ServiceAccountKeys.TryGetValue(email, out var key) ||
            !key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            await OAuthError(context, 400, "invalid_grant", "Invalid JWT Signature.");
            return;
        }

        // Google accepts its canonical token audiences whichever endpoint (public, private, test) received the grant.
        var audience = claims["aud"]?.GetValue<string>();
        if (audience is not ("https://oauth2.googleapis.com/token" or "https://www.googleapis.com/oauth2/v4/token" or "https://accounts.google.com/o/oauth2/token") || claims["scope"]?.GetValue<string>() != "https://www.googleapis.com/auth/cloud-platform")
        {
            await OAuthError(context, 400, "invalid_grant", $"Invalid JWT: audience {claims["aud"]} or scope {claims["scope"]}");
            return;
        }

        await context.Response.WriteAsJsonAsync(new { access_token = Issue($"key:{email}"), expires_in = 3599, token_type = "Bearer" });
    }

    private async Task AccessAsync(HttpContext context, string path)
    {
        var name = path[..^":access".Length];
        if (name.StartsWith("/r/", StringComparison.Ordinal))
        {
            // Regional host stand-in: /r/{location}/v1/... must match the resource's location.
            var slash = name.IndexOf('/', 3);
            var location = name[3..slash];
            name = name[slash..];
            if (!name.Contains($"/locations/{location}/", StringComparison.Ordinal))
            {
                await Error(context, 400, "INVALID_ARGUMENT", "Location mismatch between endpoint and resource.");
                return;
            }
        }

        name = name["/v1/".Length..];
        var versionAt = name.LastIndexOf("/versions/", StringComparison.Ordinal);
        var secretPath = name[..versionAt];
        var version = name[(versionAt + "/versions/".Length)..];
        AccessCalls.AddOrUpdate(name, 1, (_, n) => n + 1);
        CountRead(context, name);

        if (HangAccess)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }

        if (AccessFailures.TryDequeue(out var failure))
        {
            await Error(context, failure.Code, failure.Status, failure.Code == 429 ? "Quota exceeded for quota metric 'Access requests'." : "The service is currently unavailable.");
            return;
        }

        var principal = Principal(context, out _);
        if (principal is null)
        {
            await Error(context, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
            return;
        }

        var numbered = NumberedSecretPath(secretPath);
        if (!Readers.TryGetValue(secretPath, out var readers) || !readers.Contains(principal))
        {
            await Error(context, 403, "PERMISSION_DENIED", $"Permission 'secretmanager.versions.access' denied for resource '{name}' (or it may not exist).");
            return;
        }

        if (!Secrets.TryGetValue(secretPath, out var versions) || versions.Count == 0)
        {
            await Error(context, 404, "NOT_FOUND", $"Secret [{numbered}] not found or has no versions.");
            return;
        }

        int index;
        lock (versions)
        {
            index = version == "latest" ? versions.Count : int.TryParse(version, out var n) && n >= 1 && n <= versions.Count ? n : -1;
        }

        if (index < 0)
        {
            await Error(context, 404, "NOT_FOUND", $"Secret Version [{numbered}/versions/{version}] not found.");
            return;
        }

        byte[] data;
        lock (versions)
        {
            data = versions[index - 1];
        }

        var crc = Crc32C(data);
        var payload = new JsonObject { ["data"] = Convert.ToBase64String(data) };
        if (!OmitCrc)
        {
            payload["dataCrc32c"] = (CorruptCrc ? crc ^ 1 : crc).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(new JsonObject { ["name"] = $"{numbered}/versions/{index}", ["payload"] = payload });
    }

    private async Task RenderAsync(HttpContext context, string path)
    {
        var name = path[..^":render".Length];
        if (name.StartsWith("/r/", StringComparison.Ordinal))
        {
            name = name[name.IndexOf('/', 3)..];
        }

        name = name["/v1/".Length..];
        AccessCalls.AddOrUpdate(name, 1, (_, n) => n + 1);
        CountRead(context, name);
        if (Principal(context, out _) is null)
        {
            await Error(context, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
            return;
        }

        if (!Parameters.TryGetValue(name, out var rendered))
        {
            await Error(context, 404, "NOT_FOUND", $"Parameter version [{name}] not found.");
            return;
        }

        await context.Response.WriteAsJsonAsync(new { parameterVersion = name, payload = new { data = Convert.ToBase64String(rendered) }, renderedPayload = Convert.ToBase64String(rendered) });
    }

    private void CountRead(HttpContext context, string name) =>
        ReadsByPrincipal.AddOrUpdate($"{Principal(context, out _) ?? "none"}|{name}", 1, (_, n) => n + 1);

    private string Issue(string principal)
    {
        var token = $"ya29.{Guid.NewGuid():N}";
        _tokens[token] = principal;
        return token;
    }

    private string? Principal(HttpContext context, out string? bearer)
    {
        var header = context.Request.Headers.Authorization.ToString();
        bearer = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
        return bearer is not null && _tokens.TryGetValue(bearer, out var principal) ? principal : null;
    }

    private static string NumberedSecretPath(string secretPath)
    {
        var parts = secretPath.Split('/');
        parts[1] = ProjectNumber;
        return string.Join('/', parts);
    }

    private static JsonObject? Claims(string jwt)
    {
        var parts = jwt.Split('.');
        try
        {
            return parts.Length == 3 ? JsonNode.Parse(FromBase64Url(parts[1]))?.AsObject() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private static Task Error(HttpContext context, int code, string status, string message)
    {
        context.Response.StatusCode = code;
        return context.Response.WriteAsJsonAsync(new { error = new { code, message, status } });
    }

    private static Task OAuthError(HttpContext context, int code, string error, string description)
    {
        context.Response.StatusCode = code;
        return context.Response.WriteAsJsonAsync(new { error, error_description = description });
    }

    /// <summary>An independent CRC-32C (bitwise) so the server does not share the provider's table code.</summary>
    public static uint Crc32C(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
