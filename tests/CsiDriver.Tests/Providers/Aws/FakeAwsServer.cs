using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Aws;

/// <summary>
/// A loopback AWS: Secrets Manager and SSM (JSON 1.1), STS (Query/XML), the EKS Pod Identity agent
/// and IMDSv2, on one Kestrel port. Every JSON call's SigV4 signature is recomputed here, with
/// an implementation independent of the driver's, and a wrong one is refused with AWS's error body.
/// </summary>
public sealed partial class FakeAwsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Secret, string? SessionToken, string Principal)> _keys = new();
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, int> _reads = new();
    private int _issued;

    private FakeAwsServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Secrets per region, then per name.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, FakeSecret>> Secrets { get; } = new();

    /// <summary>Parameters per region, then per name.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, FakeParameter>> Parameters { get; } = new();

    /// <summary>Roles that may be assumed, with the only web identity token accepted for each.</summary>
    public ConcurrentDictionary<string, string> Roles { get; } = new();

    /// <summary>Principals (role ARN, "static:AKID", "pod-identity") denied secretsmanager:BatchGetSecretValue.</summary>
    public ConcurrentDictionary<string, bool> BatchDenied { get; } = new();

    /// <summary>(principal, secret name) pairs denied secretsmanager:GetSecretValue.</summary>
    public ConcurrentDictionary<(string, string), bool> GetDenied { get; } = new();

    /// <summary>Regions answering every call with 503.</summary>
    public ConcurrentDictionary<string, bool> RegionsDown { get; } = new();

    /// <summary>The next N Secrets Manager / SSM calls answer ThrottlingException.</summary>
    public void ThrottleNext(int calls) => Volatile.Write(ref _throttleNext, calls);

    private int _throttleNext;
    private TaskCompletionSource _open = Opened();
    private int _held;

    /// <summary>Secrets Manager / SSM requests wait (after being counted) until <see cref="Release"/>.</summary>
    public void Hold() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _open.TrySetResult();

    /// <summary>Requests waiting in <see cref="Hold"/> now.</summary>
    public int Held => Volatile.Read(ref _held);

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    /// <summary>The Pod Identity agent's accepted token.</summary>
    public string? PodIdentityToken { get; set; }

    public string ImdsRegion { get; set; } = "eu-west-1";

    /// <summary>Lifetime of issued temporary credentials.</summary>
    public TimeSpan CredentialLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Clock used for the Expiration of issued credentials.</summary>
    public Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;

    public int Calls(string operation) => _calls.TryGetValue(operation, out var n) ? n : 0;

    public int TotalCalls(params string[] operations) => operations.Sum(Calls);

    /// <summary>
    /// Value reads of one secret or parameter by one principal in one region: each id of a GetSecretValue,
    /// BatchGetSecretValue or GetParameters request counts, answered or refused.
    /// </summary>
    public int ValueReads(string principal, string name, string region = "us-east-1") => _reads.GetValueOrDefault($"{principal}|{region}|value|{name}");

    /// <summary>DescribeSecret calls for one secret by one principal in one region.</summary>
    public int Describes(string principal, string name, string region = "us-east-1") => _reads.GetValueOrDefault($"{principal}|{region}|describe|{name}");

    /// <summary>Value reads of every object by every principal.</summary>
    public int TotalValueReads => _reads.Where(r => r.Key.Contains("|value|", StringComparison.Ordinal)).Sum(r => r.Value);

    /// <summary>Forgets every call and read counted so far.</summary>
    public void ResetCounts()
    {
        _calls.Clear();
        _reads.Clear();
    }

    private void CountRead(string principal, string region, string what, string name) => _reads.AddOrUpdate($"{principal}|{region}|{what}|{name}", 1, (_, n) => n + 1);

    public void AddKey(string accessKeyId, string secret, string principal) => _keys[accessKeyId] = (secret, null, principal);

    public FakeSecret PutSecret(string region, string name, string? text = null, byte[]? binary = null, string? versionId = null)
    {
        var secrets = Secrets.GetOrAdd(region, _ => new());
        var secret = secrets.GetOrAdd(name, n => new FakeSecret(n, $"arn:aws:secretsmanager:{region}:123456789012:secret:{n}-AbCdEf"));
        secret.AddVersion(versionId ?? Guid.NewGuid().ToString(), text, binary);
        return secret;
    }

    public FakeParameter PutParameter(string region, string name, string value, params string[] labels)
    {
        var parameters = Parameters.GetOrAdd(region, _ => new());
        var parameter = parameters.GetOrAdd(name, n => new FakeParameter(n, $"arn:aws:ssm:{region}:123456789012:parameter/{n.TrimStart('/')}"));
        parameter.AddVersion(value, labels);
        return parameter;
    }

    public static async Task<FakeAwsServer> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var server = new FakeAwsServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Count(string operation) => _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();

        if (request.Path == "/latest/api/token" && request.Method == "PUT")
        {
            Count("IMDS.Token");
            if (!request.Headers.ContainsKey("X-aws-ec2-metadata-token-ttl-seconds"))
            {
                context.Response.StatusCode = 400;
                return;
            }

            await context.Response.WriteAsync("imds-session-token");
            return;
        }

        if (request.Path == "/latest/meta-data/placement/region")
        {
            Count("IMDS.Region");
            context.Response.StatusCode = request.Headers["X-aws-ec2-metadata-token"] == "imds-session-token" ? 200 : 401;
            if (context.Response.StatusCode == 200)
            {
                await context.Response.WriteAsync(ImdsRegion);
            }

            return;
        }

        if (request.Path == "/v1/credentials")
        {
            Count("PodIdentity.GetCredentials");
            if (request.Method != "GET" || PodIdentityToken is null || request.Headers.Authorization != PodIdentityToken)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("{\"code\":\"AccessDeniedException\",\"message\":\"Unable to validate the service account token\"}");
                return;
            }

            var (key, secret, token) = Issue("pod-identity");
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { AccessKeyId = key, SecretAccessKey = secret, Token = token, Expiration = Now().Add(CredentialLifetime).ToString("O"), AccountId = "123456789012" }));
            return;
        }

        if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true)
        {
            await StsAsync(context, Encoding.UTF8.GetString(body), body);
            return;
        }

        var target = request.Headers["X-Amz-Target"].ToString();
        Count(target);
        Interlocked.Increment(ref _held);
        try
        {
            await _open.Task.WaitAsync(context.RequestAborted);
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }

        var (principal, region, failure) = Authenticate(request, body);
        if (failure is not null)
        {
            await JsonError(context, 400, failure.Value.Code, failure.Value.Message);
            return;
        }

        if (request.ContentType != "application/x-amz-json-1.1")
        {
            await JsonError(context, 400, "SerializationException", "Unexpected content type");
            return;
        }

        if (RegionsDown.ContainsKey(region!))
        {
            await JsonError(context, 503, "ServiceUnavailableException", "Service is unavailable");
            return;
        }

        if (Interlocked.Decrement(ref _throttleNext) >= 0)
        {
            await JsonError(context, 400, "ThrottlingException", "Rate exceeded");
            return;
        }

        var json = JsonNode.Parse(body)!.AsObject();
        if (await TryHandleStoreCallAsync(context, target, principal!, region!, json))
        {
            return;
        }

        switch (target)
        {
            case "secretsmanager.GetSecretValue":
                await GetSecretValueAsync(context, principal!, region!, json);
                break;
            case "secretsmanager.DescribeSecret":
                await DescribeSecretAsync(context, principal!, region!, json);
                break;
            case "secretsmanager.BatchGetSecretValue":
                await BatchGetSecretValueAsync(context, principal!, region!, json);
                break;
            case "AmazonSSM.GetParameters":
                await GetParametersAsync(context, principal!, region!, json);
                break;
            default:
                await JsonError(context, 400, "UnknownOperationException", "Unknown operation");
                break;
        }
    }

    private (string Key, string Secret, string Token) Issue(string principal)
    {
        var n = Interlocked.Increment(ref _issued);
        var key = $"ASIATEMP{n:D8}";
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        var token = "FwoGZXIvYXdzE" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        _keys[key] = (secret, token, principal);
        return (key, secret, token);
    }

    private async Task StsAsync(HttpContext context, string form, byte[] body)
    {
        var fields = form.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        Count("STS." + fields.GetValueOrDefault("Action"));
        context.Response.ContentType = "text/xml";
        if (fields.GetValueOrDefault("Action") == "AssumeRole")
        {
            await AssumeRoleAsync(context, fields, body);
            return;
        }

        if (fields.GetValueOrDefault("Action") != "AssumeRoleWithWebIdentity" || fields.GetValueOrDefault("Version") != "2011-06-15" ||
            string.IsNullOrEmpty(fields.GetValueOrDefault("RoleSessionName")))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync(StsError("Sender", "InvalidAction", "Could not find operation"));
            return;
        }

        var role = fields.GetValueOrDefault("RoleArn") ?? string.Empty;
        if (!Roles.TryGetValue(role, out var expectedToken))
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync(StsError("Sender", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"));
            return;
        }

        if (!WebIdentityTrusted(expectedToken, fields.GetValueOrDefault("WebIdentityToken")))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync(StsError("Sender", "InvalidIdentityToken", "Incorrect token audience"));
            return;
        }

        var (key, secret, token) = Issue(role);
        var expiration = Now().Add(CredentialLifetime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await context.Response.WriteAsync($"""
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                <SubjectFromWebIdentityToken>system:serviceaccount:app:web</SubjectFromWebIdentityToken>
                <Audience>sts.amazonaws.com</Audience>
                <AssumedRoleUser><Arn>{role}/session</Arn><AssumedRoleId>AROA:session</AssumedRoleId></AssumedRoleUser>
                <Credentials>
                  <SessionToken>{token}</SessionToken>
                  <SecretAccessKey>{secret}</SecretAccessKey>
                  <Expiration>{expiration}</Expiration>
                  <AccessKeyId>{key}</AccessKeyId>
                </Credentials>
                <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.example</Provider>
              </AssumeRoleWithWebIdentityResult>
              <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
            </AssumeRoleWithWebIdentityResponse>
            """);
    }

    private static string StsError(string type, string code, string message) =>
        $"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{type}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>";

    // SigV4 verification, written independently of the driver's signer.
    private (string? Principal, string? Region, (string Code, string Message)? Failure) Authenticate(HttpRequest request, byte[] body)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "AWS4-HMAC-SHA256 ";
        if (!header.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (null, null, ("MissingAuthenticationTokenException", "Missing Authentication Token"));
        }

        var parts = header[prefix.Length..].Split(", ").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var scope = parts["Credential"].Split('/');
        var (accessKey, date, region, service) = (scope[0], scope[1], scope[2], scope[3]);
        if (!_keys.TryGetValue(accessKey, out var key))
        {
            return (null, null, ("UnrecognizedClientException", "The security token included in the request is invalid."));
        }

        var signedHeaders = parts["SignedHeaders"].Split(';');
        var sts = request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true;
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date") || (!sts && !signedHeaders.Contains("x-amz-target")))
        {
            return (null, null, ("IncompleteSignatureException", "Host, X-Amz-Date and X-Amz-Target must be signed"));
        }

        if (key.SessionToken is not null && (request.Headers["X-Amz-Security-Token"] != key.SessionToken || !signedHeaders.Contains("x-amz-security-token")))
        {
            return (null, null, ("UnrecognizedClientException", "The security token included in the request is invalid."));
        }

        var expectedService = sts ? "sts" : request.Headers["X-Amz-Target"].ToString().StartsWith("AmazonSSM.", StringComparison.Ordinal) ? "ssm" : "secretsmanager";
        if (service != expectedService || scope[4] != "aws4_request")
        {
            return (null, null, ("InvalidSignatureException", "Credential should be scoped to correct service."));
        }

        var canonicalHeaders = new StringBuilder();
        foreach (var name in signedHeaders)
        {
            var value = name == "host" ? request.Host.Value : string.Join(',', request.Headers[name].Select(v => v!.Trim()));
            canonicalHeaders.Append(name).Append(':').Append(value).Append('\n');
        }

        var canonical = string.Join('\n', request.Method, request.Path.Value is { Length: > 0 } p ? p : "/", request.QueryString.Value?.TrimStart('?') ?? string.Empty,
            canonicalHeaders.ToString(), parts["SignedHeaders"], Convert.ToHexStringLower(SHA256.HashData(body)));
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{date}/{region}/{service}/aws4_request\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var signingKey = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + key.Secret), date), region), service), "aws4_request");
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));
        if (!amzDate.StartsWith(date, StringComparison.Ordinal) || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts["Signature"])))
        {
            return (null, null, ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."));
        }

        return (key.Principal, region, null);
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static async Task JsonError(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = "req-" + Guid.NewGuid().ToString("N")[..8];
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }));
    }

    private static Task Json(HttpContext context, object value)
    {
        context.Response.ContentType = "application/x-amz-json-1.1";
        return context.Response.WriteAsync(JsonSerializer.Serialize(value));
    }

    private FakeSecret? FindSecret(string region, string id) =>
        Secrets.TryGetValue(region, out var secrets) ? secrets.Values.FirstOrDefault(s => s.Name == id || s.Arn == id) : null;

    private async Task GetSecretValueAsync(HttpContext context, string principal, string region, JsonObject json)
    {
        var id = json["SecretId"]!.GetValue<string>();
        CountRead(principal, region, "value", id);
        if (GetDenied.ContainsKey((principal, id)))
        {
            await JsonError(context, 400, "AccessDeniedException", $"User: {principal} is not authorized to perform: secretsmanager:GetSecretValue on resource: {id}");
            return;
        }

        var secret = FindSecret(region, id);
        var version = secret?.Find(json["VersionId"]?.GetValue<string>(), json["VersionStage"]?.GetValue<string>());
        if (secret is null || version is null)
        {
            await JsonError(context, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            return;
        }

        await Json(context, secret.Entry(version));
    }

    private async Task DescribeSecretAsync(HttpContext context, string principal, string region, JsonObject json)
    {
        CountRead(principal, region, "describe", json["SecretId"]!.GetValue<string>());
        var secret = FindSecret(region, json["SecretId"]!.GetValue<string>());
        if (secret is null)
        {
            await JsonError(context, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            return;
        }

        await Json(context, new Dictionary<string, object>
        {
            ["ARN"] = secret.Arn,
            ["Name"] = secret.Name,
            ["VersionIdsToStages"] = secret.Versions.ToDictionary(v => v.Id, v => v.Stages.ToArray()),
        });
    }

    private async Task BatchGetSecretValueAsync(HttpContext context, string principal, string region, JsonObject json)
    {
        if (BatchDenied.ContainsKey(principal))
        {
            await JsonError(context, 400, "AccessDeniedException", $"User: {principal} is not authorized to perform: secretsmanager:BatchGetSecretValue");
            return;
        }

        var ids = json["SecretIdList"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        if (ids.Count > 20)
        {
            await JsonError(context, 400, "InvalidParameterException", "SecretIdList can have at most 20 entries");
            return;
        }

        var values = new List<object>();
        var errors = new List<object>();
        foreach (var id in ids)
        {
            CountRead(principal, region, "value", id);
            var secret = FindSecret(region, id);
            if (GetDenied.ContainsKey((principal, id)))
            {
                errors.Add(new { SecretId = id, ErrorCode = "AccessDeniedException", Message = "not authorized to perform: secretsmanager:GetSecretValue" });
            }
            else if (secret?.Find(null, null) is { } version)
            {
                values.Add(secret.Entry(version));
            }
            else
            {
                errors.Add(new { SecretId = id, ErrorCode = "ResourceNotFoundException", Message = "Secrets Manager can't find the specified secret." });
            }
        }

        await Json(context, new { SecretValues = values, Errors = errors });
    }

    private async Task GetParametersAsync(HttpContext context, string principal, string region, JsonObject json)
    {
        var names = json["Names"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        if (names.Count > 10 || json["WithDecryption"]?.GetValue<bool>() != true)
        {
            await JsonError(context, 400, "ValidationException", "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10");
            return;
        }

        var parameters = new List<object>();
        var invalid = new List<string>();
        foreach (var requested in names)
        {
            CountRead(principal, region, "value", requested);
            var colon = requested.StartsWith("arn:", StringComparison.Ordinal) ? requested.IndexOf(':', requested.IndexOf("parameter/", StringComparison.Ordinal)) : requested.LastIndexOf(':');
            var name = colon > 0 ? requested[..colon] : requested;
            var selector = colon > 0 ? requested[colon..] : null;
            var parameter = Parameters.TryGetValue(region, out var all) ? all.Values.FirstOrDefault(p => p.Name == name || p.Arn == name) : null;
            var version = parameter?.Find(selector);
            if (parameter is null || version is null)
            {
                invalid.Add(requested);
                continue;
            }

            parameters.Add(new Dictionary<string, object?>
            {
                ["Name"] = name, ["ARN"] = parameter.Arn, ["Type"] = "SecureString", ["Value"] = version.Value, ["Version"] = version.Number,
                ["Selector"] = selector, ["LastModifiedDate"] = 1.7e9, ["DataType"] = "text",
            });
        }

        await Json(context, new { Parameters = parameters, InvalidParameters = invalid });
    }
}

/// <summary>A secret with versions and staging labels, rotated the way Secrets Manager does.</summary>
public sealed class FakeSecret
{
    public FakeSecret(string name, string arn)
    {
        Name = name;
        Arn = arn;
    }

    public string Name { get; }

    public string Arn { get; }

    public List<FakeSecretVersion> Versions { get; } = [];

    /// <summary>Adds a version as AWSCURRENT; the old current becomes AWSPREVIOUS.</summary>
    public void AddVersion(string id, string? text, byte[]? binary)
    {
        lock (Versions)
        {
            foreach (var old in Versions)
            {
                old.Stages.Remove("AWSPREVIOUS");
                if (old.Stages.Remove("AWSCURRENT"))
                {
                    old.Stages.Add("AWSPREVIOUS");
                }
            }

            Versions.Add(new FakeSecretVersion(id, text, binary, ["AWSCURRENT"]));
        }
    }

    public FakeSecretVersion? Find(string? versionId, string? stage)
    {
        lock (Versions)
        {
            var wanted = stage ?? (versionId is null ? "AWSCURRENT" : null);
            return Versions.FirstOrDefault(v => (versionId is null || v.Id == versionId) && (wanted is null || v.Stages.Contains(wanted)));
        }
    }

    public Dictionary<string, object?> Entry(FakeSecretVersion version)
    {
        var entry = new Dictionary<string, object?>
        {
            ["ARN"] = Arn, ["Name"] = Name, ["VersionId"] = version.Id, ["VersionStages"] = version.Stages.ToArray(), ["CreatedDate"] = 1.7e9,
        };
        if (version.Text is not null)
        {
            entry["SecretString"] = version.Text;
        }
        else
        {
            entry["SecretBinary"] = Convert.ToBase64String(version.Binary!);
        }

        return entry;
    }
}

public sealed record FakeSecretVersion(string Id, string? Text, byte[]? Binary, List<string> Stages);

/// <summary>An SSM parameter with numbered versions and labels.</summary>
public sealed class FakeParameter
{
    public FakeParameter(string name, string arn)
    {
        Name = name;
        Arn = arn;
    }

    public string Name { get; }

    public string Arn { get; }

    public List<FakeParameterVersion> Versions { get; } = [];

    public void AddVersion(string value, string[] labels)
    {
        lock (Versions)
        {
            Versions.Add(new FakeParameterVersion(Versions.Count + 1, value, labels));
        }
    }

    public FakeParameterVersion? Find(string? selector)
    {
        lock (Versions)
        {
            if (selector is null)
            {
                return Versions.LastOrDefault();
            }

            var s = selector.TrimStart(':');
            return long.TryParse(s, out var number) ? Versions.FirstOrDefault(v => v.Number == number) : Versions.LastOrDefault(v => v.Labels.Contains(s));
        }
    }
}

public sealed record FakeParameterVersion(long Number, string Value, string[] Labels);
