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
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Kubernetes;

/// <summary>One RBAC-like grant: API group, resource, verbs; optionally limited to a namespace and names.</summary>
public sealed record FakeRule(string Group, string Resource, string[] Verbs, string? Namespace = null, string[]? Names = null)
{
    public bool Allows(string group, string resource, string verb, string ns, string? name) =>
        Group == group && (Resource == resource || Resource == "*") && (Verbs.Contains(verb) || Verbs.Contains("*")) &&
        (Namespace is null || Namespace == ns) && (Names is null || (name is not null && Names.Contains(name)));
}

/// <summary>A request the server saw (after authentication).</summary>
public sealed record FakeRequest(string User, string Verb, string Group, string Resource, string Namespace, string? Name, int Status);

/// <summary>
/// A loopback Kubernetes API server in the test process, speaking the real wire format for the calls the
/// driver makes: HTTPS with its own CA, bearer-token and client-certificate authentication (401 without),
/// per-user RBAC-like rules (403 with the real message), objects with incrementing resourceVersions,
/// 409 AlreadyExists / Conflict on create / stale update, JSON merge patch, 404 <c>Status</c> bodies, and
/// injected faults (429 with Retry-After, 5xx, hangs).
/// </summary>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<FakeRule>> _rules = new(StringComparer.Ordinal);
    private readonly WatchedObjects _objects;
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly Lock _gate = new();
    private long _resourceVersion = 1000;

    private FakeKubeApiServer(WebApplication app, X509Certificate2 ca, X509Certificate2 clientCa)
    {
        _app = app;
        _objects = new WatchedObjects(this);
        CertificateAuthority = ca;
        ClientCertificateAuthority = clientCa;
    }

    /// <summary>The CA that signed the server certificate: clients must trust exactly this.</summary>
    public X509Certificate2 CertificateAuthority { get; }

    /// <summary>The CA whose client certificates the server accepts (CN = user).</summary>
    public X509Certificate2 ClientCertificateAuthority { get; }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyCollection<FakeRequest> Requests => _requests.ToArray();

    /// <summary>When set, every authorised GET passes through it before it is answered.</summary>
    public CsiDriver.Tests.Infrastructure.ConcurrencyGate? Gate { get; set; }

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var ca = TestPki.CreateCa("fake-kube-ca");
        var clientCa = TestPki.CreateCa("fake-kube-client-ca");
        var serverCertificate = TestPki.IssueServer(ca);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, clientCa),
            }));
        });
        var app = builder.Build();
        var server = new FakeKubeApiServer(app, ca, clientCa);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>Accepts <paramref name="token"/> as <paramref name="user"/> (replacing nothing else).</summary>
    public void AddToken(string token, string user) => _tokens[token] = user;

    public void RemoveToken(string token) => _tokens.TryRemove(token, out _);

    public void Allow(string user, params FakeRule[] rules) =>
        _rules.AddOrUpdate(user, _ => [.. rules], (_, existing) => { lock (existing) { existing.AddRange(rules); } return existing; });

    /// <summary>Stores an object as if created earlier; returns its resourceVersion.</summary>
    public string Put(string group, string resource, string ns, JsonObject obj)
    {
        lock (_gate)
        {
            var name = obj["metadata"]!["name"]!.GetValue<string>();
            var meta = obj["metadata"]!.AsObject();
            meta["namespace"] = ns;
            meta["uid"] ??= Guid.NewGuid().ToString();
            var rv = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
            meta["resourceVersion"] = rv;
            _objects[Key(group, resource, ns, name)] = obj;
            return rv;
        }
    }

    public JsonObject? Get(string group, string resource, string ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(group, resource, ns, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public List<JsonObject> List(string group, string resource, string ns)
    {
        var prefix = Key(group, resource, ns, string.Empty);
        lock (_gate)
        {
            return _objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(o => (JsonObject)o.Value.DeepClone()).ToList();
        }
    }

    /// <summary>The next <paramref name="times"/> matching requests fail with this status (and Retry-After, if given).</summary>
    public void FailNext(Func<FakeRequest, bool> match, int times, HttpStatusCode status, int? retryAfterSeconds = null, string? reason = null) =>
        _faults.Enqueue(new Fault(match, times, status, retryAfterSeconds, reason, Hang: false));

    /// <summary>The next matching requests get no answer until the client gives up.</summary>
    public void HangNext(Func<FakeRequest, bool> match, int times) =>
        _faults.Enqueue(new Fault(match, times, HttpStatusCode.OK, null, null, Hang: true));

    /// <summary>The next matching requests take effect, then get no answer until the client gives up (a reply lost on the way back).</summary>
    public void LoseAnswerNext(Func<FakeRequest, bool> match, int times) =>
        _faults.Enqueue(new Fault(match, times, HttpStatusCode.OK, null, null, Hang: true) { AfterApplying = true });

    public static JsonObject Secret(string name, IDictionary<string, string> data) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["type"] = "Opaque",
        ["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)Convert.ToBase64String(Encoding.UTF8.GetBytes(d.Value))))),
    };

    public static JsonObject ConfigMap(string name, IDictionary<string, string> data) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
    };

    public static JsonObject SecretProviderClass(string name, string provider, IDictionary<string, string> parameters) => new()
    {
        ["apiVersion"] = "secrets-store.csi.x-k8s.io/v1",
        ["kind"] = "SecretProviderClass",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["provider"] = provider,
            ["parameters"] = new JsonObject(parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        },
    };

    public const string SpcGroup = "secrets-store.csi.x-k8s.io";

    private async Task HandleAsync(HttpContext context)
    {
        var user = Authenticate(context);
        if (user is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized");
            return;
        }

        if (await TryHandleTokenRequestAsync(context, user))
        {
            return;
        }

        if (await TryServeCollectionAsync(context, user))
        {
            return;
        }

        if (await TryHandleStatusFeaturesAsync(context, user))
        {
            return;
        }

        if (!TryRoute(context.Request, out var group, out var resource, out var ns, out var name, out var verb))
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
            return;
        }

        var seen = new FakeRequest(user, verb, group, resource, ns, name, 0);
        var fault = TakeFault(seen);
        if (fault is { AfterApplying: false })
        {
            Record(seen, fault.Hang ? 0 : (int)fault.Status);
            if (fault.Hang)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            if (fault.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await WriteStatusAsync(context, fault.Status, fault.Reason ?? fault.Status.ToString(), "injected failure");
            return;
        }

        using var inGate = verb == "get" && Gate is { } gate ? await gate.EnterAsync(context.RequestAborted) : null;
        if (!Authorized(user, group, resource, verb, ns, name))
        {
            Record(seen, 403);
            var groupText = group.Length == 0 ? "\"\"" : $"\"{group}\"";
            var subject = name is null ? resource : $"{resource} \"{name}\"";
            await WriteStatusAsync(context, HttpStatusCode.Forbidden, "Forbidden",
                $"{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group {groupText} in the namespace \"{ns}\"");
            return;
        }

        var body = verb is "create" or "update" or "patch" ? await ReadJsonAsync(context) : null;
        var (status, response) = Apply(verb, group, resource, ns, name, body);
        Record(seen, (int)status);
        if (fault is { AfterApplying: true })
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString());
    }

    private (HttpStatusCode, JsonObject) Apply(string verb, string group, string resource, string ns, string? name, JsonObject? body)
    {
        var kind = $"{resource}{(group.Length == 0 ? string.Empty : "." + group)}";
        lock (_gate)
        {
            switch (verb)
            {
                case "get":
                {
                    return _objects.TryGetValue(Key(group, resource, ns, name!), out var obj)
                        ? (HttpStatusCode.OK, (JsonObject)obj.DeepClone())
                        : NotFound(kind, name!);
                }

                case "create":
                {
                    var newName = body!["metadata"]?["name"]?.GetValue<string>();
                    if (string.IsNullOrEmpty(newName))
                    {
                        return Status(HttpStatusCode.UnprocessableEntity, "Invalid", $"{kind} \"\" is invalid: metadata.name: Required value");
                    }

                    if (body["metadata"]?["namespace"]?.GetValue<string>() is { } bodyNs && bodyNs != ns)
                    {
                        return Status(HttpStatusCode.BadRequest, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
                    }

                    var key = Key(group, resource, ns, newName);
                    if (_objects.ContainsKey(key))
                    {
                        return Status(HttpStatusCode.Conflict, "AlreadyExists", $"{kind} \"{newName}\" already exists");
                    }

                    var meta = body["metadata"]!.AsObject();
                    meta["namespace"] = ns;
                    meta["uid"] = Guid.NewGuid().ToString();
                    meta["resourceVersion"] = Next();
                    _objects[key] = body;
                    return (HttpStatusCode.Created, (JsonObject)body.DeepClone());
                }

                case "update":
                {
                    var key = Key(group, resource, ns, name!);
                    if (!_objects.TryGetValue(key, out var current))
                    {
                        return NotFound(kind, name!);
                    }

                    var sent = body!["metadata"]?["resourceVersion"]?.GetValue<string>();
                    if (!string.IsNullOrEmpty(sent) && sent != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                    {
                        return Status(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {kind} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
                    }

                    var meta = body["metadata"]!.AsObject();
                    meta["uid"] = current["metadata"]!["uid"]!.DeepClone();
                    meta["namespace"] = ns;
                    meta["resourceVersion"] = Next();
                    _objects[key] = body;
                    return (HttpStatusCode.OK, (JsonObject)body.DeepClone());
                }

                case "patch":
                {
                    var key = Key(group, resource, ns, name!);
                    if (!_objects.TryGetValue(key, out var current))
                    {
                        return NotFound(kind, name!);
                    }

                    var sent = body!["metadata"]?["resourceVersion"]?.GetValue<string>();
                    if (!string.IsNullOrEmpty(sent) && sent != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                    {
                        return Status(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {kind} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
                    }

                    var merged = (JsonObject)MergePatch(current.DeepClone(), body)!;
                    merged["metadata"]!["resourceVersion"] = Next();
                    _objects[key] = merged;
                    return (HttpStatusCode.OK, (JsonObject)merged.DeepClone());
                }

                case "delete":
                {
                    return _objects.Remove(Key(group, resource, ns, name!))
                        ? Status(HttpStatusCode.OK, string.Empty, string.Empty, success: true)
                        : NotFound(kind, name!);
                }

                default:
                    return Status(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{verb} is not supported by this fake");
            }
        }
    }

    /// <summary>RFC 7386 JSON merge patch.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var existing = result[key];
                result.Remove(key);
                result[key] = MergePatch(existing?.DeepClone(), value);
            }
        }

        return result;
    }

    private string Next() => (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static (HttpStatusCode, JsonObject) NotFound(string kind, string name) =>
        Status(HttpStatusCode.NotFound, "NotFound", $"{kind} \"{name}\" not found");

    private static (HttpStatusCode, JsonObject) Status(HttpStatusCode code, string reason, string message, bool success = false) =>
        (code, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = success ? "Success" : "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = (int)code,
        });

    private static async Task WriteStatusAsync(HttpContext context, HttpStatusCode code, string reason, string message)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Status(code, reason, message).Item2.ToJsonString());
    }

    private static async Task<JsonObject> ReadJsonAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync();
        return JsonNode.Parse(text)!.AsObject();
    }

    private string? Authenticate(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return _tokens.TryGetValue(header["Bearer ".Length..], out var user) ? user : null;
        }

        // Kestrel already checked the chain against the client CA.
        return context.Connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, false);
    }

    private bool Authorized(string user, string group, string resource, string verb, string ns, string? name)
    {
        if (!_rules.TryGetValue(user, out var rules))
        {
            return false;
        }

        lock (rules)
        {
            return rules.Any(r => r.Allows(group, resource, verb, ns, name));
        }
    }

    private static bool TryRoute(HttpRequest request, out string group, out string resource, out string ns, out string? name, out string verb)
    {
        group = resource = ns = verb = string.Empty;
        name = null;
        var parts = request.Path.Value!.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        int rest;
        if (parts.Length >= 2 && parts[0] == "api" && parts[1] == "v1")
        {
            rest = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis" && parts[2] == "v1")
        {
            group = parts[1];
            rest = 3;
        }
        else
        {
            return false;
        }

        if (parts.Length - rest is not (3 or 4) || parts[rest] != "namespaces")
        {
            return false;
        }

        ns = parts[rest + 1];
        resource = parts[rest + 2];
        name = parts.Length - rest == 4 ? parts[rest + 3] : null;
        verb = request.Method switch
        {
            "GET" when name is not null => "get",
            "POST" when name is null => "create",
            "PUT" when name is not null => "update",
            "PATCH" when name is not null => "patch",
            "DELETE" when name is not null => "delete",
            _ => string.Empty,
        };
        return verb.Length > 0;
    }

    private Fault? TakeFault(FakeRequest request)
    {
        lock (_gate)
        {
            foreach (var fault in _faults)
            {
                if (fault.Remaining > 0 && fault.Match(request))
                {
                    fault.Remaining--;
                    return fault;
                }
            }
        }

        return null;
    }

    private void Record(FakeRequest request, int status) => _requests.Enqueue(request with { Status = status });

    private static string Key(string group, string resource, string ns, string name) => $"{group}|{resource}|{ns}|{name}";

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class Fault(Func<FakeRequest, bool> match, int times, HttpStatusCode status, int? retryAfterSeconds, string? reason, bool Hang)
    {
        public Func<FakeRequest, bool> Match { get; } = match;

        public int Remaining { get; set; } = times;

        public HttpStatusCode Status { get; } = status;

        public int? RetryAfterSeconds { get; } = retryAfterSeconds;

        public string? Reason { get; } = reason;

        public bool Hang { get; } = Hang;

        /// <summary>The request is applied before the hang, so only its answer is lost.</summary>
        public bool AfterApplying { get; init; }
    }
}
