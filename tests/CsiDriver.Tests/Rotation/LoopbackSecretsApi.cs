using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Rotation;

/// <summary>An Event the driver created on a pod.</summary>
public sealed record RecordedEvent(string Namespace, string Pod, string Type, string Reason, string Message);

/// <summary>
/// A loopback Kubernetes API (plain HTTP on 127.0.0.1) for the calls rotation drives through the kubernetes
/// provider and the observers: GET secrets as a pod's service account (bearer token required, 401 Status
/// without; a service account reads only its own namespace, 403 Status otherwise; 404 Status when missing;
/// 503 Status during an outage), POST of SecretProviderClassPodStatuses and Events, PATCH of Events.
/// Counts secret reads per (user, secret) and tracks how many run at once.
/// </summary>
public sealed class LoopbackSecretsApi : IAsyncDisposable
{
    public const string DriverToken = "driver-token-rotation";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Version, Dictionary<string, string> Data)> _secrets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedEvent> _events = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource? _hold;
    private long _resourceVersion = 100;
    private int _inFlight;
    private int _maxInFlight;

    private LoopbackSecretsApi(WebApplication app)
    {
        _app = app;
        _tokens[DriverToken] = "system:serviceaccount:kube-system:secrets-store-csi-driver";
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>While true every secret read answers 503 ServiceUnavailable.</summary>
    public bool Down { get; set; }

    /// <summary>Added to every secret read.</summary>
    public TimeSpan Delay { get; set; }

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int InFlight => Volatile.Read(ref _inFlight);

    public int TotalReads => _reads.Values.Sum();

    public IReadOnlyCollection<RecordedEvent> Events => _events.ToArray();

    public static async Task<LoopbackSecretsApi> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var api = new LoopbackSecretsApi(app);
        app.Run(api.HandleAsync);
        await app.StartAsync();
        api.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return api;
    }

    /// <summary>A pod token for <paramref name="ns"/>/<paramref name="serviceAccount"/>.</summary>
    public void AddPodToken(string token, string ns, string serviceAccount) => _tokens[token] = $"system:serviceaccount:{ns}:{serviceAccount}";

    public void PutSecret(string ns, string name, Dictionary<string, string> data) =>
        _secrets[$"{ns}/{name}"] = ((Interlocked.Increment(ref _resourceVersion)).ToString(System.Globalization.CultureInfo.InvariantCulture), data);

    public int Reads(string ns, string serviceAccount, string name) => _reads.GetValueOrDefault($"system:serviceaccount:{ns}:{serviceAccount}|{ns}/{name}");

    public void ResetCounts()
    {
        _reads.Clear();
        Volatile.Write(ref _maxInFlight, 0);
    }

    /// <summary>Holds secret reads until <see cref="Release"/>.</summary>
    public void Hold()
    {
        lock (_gate)
        {
            _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _hold?.TrySetResult();
            _hold = null;
        }
    }

    public string WriteKubeconfig(string path)
    {
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: test
            clusters:
            - name: loop
              cluster:
                server: {Url.ToString().TrimEnd('/')}
            users:
            - name: driver
              user:
                token: {DriverToken}
            contexts:
            - name: test
              context:
                cluster: loop
                user: driver
            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        var auth = http.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.TryGetValue(auth["Bearer ".Length..], out var user))
        {
            await StatusAsync(http, 401, "Unauthorized", "Unauthorized");
            return;
        }

        var parts = http.Request.Path.Value!.Trim('/').Split('/');
        var method = http.Request.Method;
        if (method == "GET" && parts is ["api", "v1", "namespaces", var ns, "secrets", var name])
        {
            await ReadSecretAsync(http, user, ns, name);
            return;
        }

        if (method == "POST" && parts is ["api", "v1", "namespaces", var eventNs, "events"])
        {
            var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            _events.Enqueue(new RecordedEvent(eventNs, body["involvedObject"]?["name"]?.GetValue<string>() ?? string.Empty, body["type"]!.GetValue<string>(), body["reason"]!.GetValue<string>(), body["message"]!.GetValue<string>()));
            await EchoAsync(http, body, 201);
            return;
        }

        if (method is "POST" or "PATCH" or "PUT" && parts.Length >= 5)
        {
            var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            await EchoAsync(http, body, method == "POST" ? 201 : 200);
            return;
        }

        await StatusAsync(http, 404, "NotFound", "the server could not find the requested resource");
    }

    private async Task ReadSecretAsync(HttpContext http, string user, string ns, string name)
    {
        var running = Interlocked.Increment(ref _inFlight);
        int seen;
        while (running > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, running, seen) != seen)
        {
        }

        try
        {
            _reads.AddOrUpdate($"{user}|{ns}/{name}", 1, (_, n) => n + 1);
            Task? hold;
            lock (_gate)
            {
                hold = _hold?.Task;
            }

            if (hold is not null)
            {
                await hold;
            }

            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }

            if (Down)
            {
                await StatusAsync(http, 503, "ServiceUnavailable", "the server is currently unable to handle the request");
                return;
            }

            if (!user.StartsWith($"system:serviceaccount:{ns}:", StringComparison.Ordinal))
            {
                await StatusAsync(http, 403, "Forbidden", $"secrets \"{name}\" is forbidden: User \"{user}\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{ns}\"");
                return;
            }

            if (!_secrets.TryGetValue($"{ns}/{name}", out var secret))
            {
                await StatusAsync(http, 404, "NotFound", $"secrets \"{name}\" not found");
                return;
            }

            var data = new JsonObject();
            foreach (var (key, value) in secret.Data)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
            }

            await EchoAsync(http, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["resourceVersion"] = secret.Version },
                ["type"] = "Opaque",
                ["data"] = data,
            }, 200);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static async Task EchoAsync(HttpContext http, JsonObject body, int status)
    {
        if (body["metadata"] is JsonObject meta)
        {
            meta["resourceVersion"] ??= "1";
            meta["uid"] ??= Guid.NewGuid().ToString();
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task StatusAsync(HttpContext http, int code, string reason, string message)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(JsonSerializer.Serialize(new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        }));
    }
}
