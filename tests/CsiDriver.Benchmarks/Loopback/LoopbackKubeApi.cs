using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Benchmarks.Loopback;

/// <summary>
/// An in-memory Kubernetes API server on loopback, enough of one for the External Secrets controller at scale: every
/// resource is a generic JSON object store with resourceVersions, paged lists with equality label selectors, watches that
/// replay from a resourceVersion, create (409 AlreadyExists), update with optimistic concurrency (409 Conflict), the
/// status subresource, JSON merge patches and deletes. Events are accepted and counted, not stored. Every request is
/// counted by verb and resource so a benchmark can report API reads and writes.
/// </summary>
internal sealed class LoopbackKubeApi : IAsyncDisposable
{
    public const string Token = "bench-controller-token";
    private readonly object _gate = new();
    private readonly SortedDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<Change> _log = [];
    private readonly List<Watcher> _watchers = [];
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private LoopbackServer _server = null!;
    private long _resourceVersion = 1000;

    public Uri Address => _server.Address;

    public static async Task<LoopbackKubeApi> StartAsync()
    {
        var api = new LoopbackKubeApi();
        api._server = await LoopbackServer.StartAsync(api.HandleAsync);
        return api;
    }

    public string Kubeconfig() => $"""
        apiVersion: v1
        kind: Config
        current-context: bench
        clusters:
        - name: loop
          cluster:
            server: {Address.ToString().TrimEnd('/')}
        users:
        - name: controller
          user:
            token: {Token}
        contexts:
        - name: bench
          context:
            cluster: loop
            user: controller
        """;

    /// <summary>Stores <paramref name="obj"/> as <paramref name="resource"/> (plural) in <paramref name="ns"/> ("" for cluster-scoped).</summary>
    public void Seed(string resource, string ns, JsonObject obj)
    {
        lock (_gate)
        {
            var meta = obj["metadata"]!.AsObject();
            meta["uid"] ??= Guid.NewGuid().ToString();
            meta["generation"] ??= 1;
            meta["resourceVersion"] = Next();
            _objects[Key(resource, ns, (string)meta["name"]!)] = obj;
        }
    }

    /// <summary>Counts of the calls so far, keyed <c>verb resource</c> (e.g. <c>update externalsecrets/status</c>).</summary>
    public IReadOnlyDictionary<string, int> Calls()
    {
        lock (_gate)
        {
            return new Dictionary<string, int>(_calls, StringComparer.Ordinal);
        }
    }

    /// <summary>How many objects of <paramref name="resource"/> satisfy <paramref name="match"/>.</summary>
    public int Count(string resource, Func<JsonObject, bool> match)
    {
        lock (_gate)
        {
            var prefix = resource + "/";
            return _objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).Count(o => match(o.Value));
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Events.Writer.TryComplete();
            }
        }

        await _server.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json";
        if (http.Request.Headers.Authorization != "Bearer " + Token)
        {
            await FailAsync(http, 401, "Unauthorized");
            return;
        }

        var route = Route.Parse(http.Request.Path.Value ?? "/");
        if (route is null)
        {
            await FailAsync(http, 404, "NotFound");
            return;
        }

        var method = http.Request.Method;
        var watch = http.Request.Query["watch"] is { Count: > 0 } w && w[0] is "1" or "true";
        var verb = (method, route.Name is null) switch
        {
            ("GET", true) => watch ? "watch" : "list",
            ("GET", false) => "get",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", _) => "delete",
            _ => "other",
        };
        var resource = route.Subresource is null ? route.Resource : $"{route.Resource}/{route.Subresource}";
        lock (_gate)
        {
            _calls[$"{verb} {resource}"] = _calls.GetValueOrDefault($"{verb} {resource}") + 1;
        }

        switch (verb)
        {
            case "watch":
                await WatchAsync(http, route);
                return;
            case "list":
                await ListAsync(http, route);
                return;
            case "get" when route.Resource == "namespaces":
                await http.Response.WriteAsync(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Namespace",
                    ["metadata"] = new JsonObject { ["name"] = route.Name, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = route.Name } },
                }.ToJsonString());
                return;
            case "get":
                await WriteObjectAsync(http, Get(route), 200);
                return;
            case "create" when route.Resource == "events":
                http.Response.StatusCode = 201;
                await http.Request.Body.CopyToAsync(http.Response.Body);
                return;
            case "create":
                await CreateAsync(http, route);
                return;
            case "update":
                await UpdateAsync(http, route);
                return;
            case "patch" when route.Resource == "events":
                await http.Response.WriteAsync("{}");
                return;
            case "patch":
                await PatchAsync(http, route);
                return;
            case "delete":
                await DeleteAsync(http, route);
                return;
            default:
                await FailAsync(http, 405, "MethodNotAllowed");
                return;
        }
    }

    private JsonObject? Get(Route route)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(route.Resource, route.Namespace, route.Name!), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    private async Task ListAsync(HttpContext http, Route route)
    {
        var selector = Selector.Parse(http.Request.Query["labelSelector"]);
        var limit = int.TryParse(http.Request.Query["limit"], CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        var after = http.Request.Query["continue"].ToString();
        var body = new StringBuilder();
        string resourceVersion;
        var next = string.Empty;
        lock (_gate)
        {
            resourceVersion = _resourceVersion.ToString(CultureInfo.InvariantCulture);
            var prefix = route.Namespace.Length == 0 ? route.Resource + "/" : $"{route.Resource}/{route.Namespace}/";
            var taken = 0;
            var lastKey = string.Empty;
            foreach (var (key, obj) in _objects)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || string.CompareOrdinal(key, after) <= 0 || !selector(obj))
                {
                    continue;
                }

                if (taken == limit)
                {
                    next = lastKey;
                    break;
                }

                body.Append(taken == 0 ? string.Empty : ",").Append(obj.ToJsonString());
                lastKey = key;
                taken++;
            }
        }

        await http.Response.WriteAsync($$"""{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"{{resourceVersion}}","continue":"{{next}}"},"items":[{{body}}]}""");
    }

    private async Task WatchAsync(HttpContext http, Route route)
    {
        var selector = Selector.Parse(http.Request.Query["labelSelector"]);
        var from = long.TryParse(http.Request.Query["resourceVersion"], CultureInfo.InvariantCulture, out var rv) ? rv : 0;
        var watcher = new Watcher(route.Resource, route.Namespace, selector);
        lock (_gate)
        {
            foreach (var change in _log.Where(c => c.ResourceVersion > from))
            {
                watcher.Offer(change);
            }

            _watchers.Add(watcher);
        }

        try
        {
            // Headers go out at once, as from a real API server, even when no event is due yet.
            await http.Response.StartAsync(http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            await foreach (var line in watcher.Events.Reader.ReadAllAsync(http.RequestAborted))
            {
                await http.Response.WriteAsync(line + "\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The controller closed the watch.
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    private async Task CreateAsync(HttpContext http, Route route)
    {
        var obj = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        var meta = obj["metadata"]!.AsObject();
        var name = (string?)meta["name"] ?? throw new InvalidOperationException("create without a name");
        JsonObject stored;
        lock (_gate)
        {
            var key = Key(route.Resource, route.Namespace, name);
            if (_objects.ContainsKey(key))
            {
                stored = null!;
            }
            else
            {
                meta["namespace"] = route.Namespace.Length == 0 ? null : route.Namespace;
                meta["uid"] = Guid.NewGuid().ToString();
                meta["generation"] = 1;
                meta["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                Store(route.Resource, key, obj, "ADDED");
                stored = (JsonObject)obj.DeepClone();
            }
        }

        if (stored is null)
        {
            await FailAsync(http, 409, "AlreadyExists");
            return;
        }

        await WriteObjectAsync(http, stored, 201);
    }

    private async Task UpdateAsync(HttpContext http, Route route)
    {
        var obj = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        var sent = (string?)obj["metadata"]?["resourceVersion"];
        JsonObject? stored;
        var conflict = false;
        lock (_gate)
        {
            var key = Key(route.Resource, route.Namespace, route.Name!);
            if (!_objects.TryGetValue(key, out var current))
            {
                stored = null;
            }
            else if (!string.IsNullOrEmpty(sent) && sent != (string?)current["metadata"]!["resourceVersion"])
            {
                stored = null;
                conflict = true;
            }
            else
            {
                var next = (JsonObject)current.DeepClone();
                if (route.Subresource == "status")
                {
                    next["status"] = obj["status"]?.DeepClone();
                }
                else
                {
                    // The status subresource's rule for custom resources: an update of the main resource keeps the status.
                    var status = current["status"]?.DeepClone();
                    next = obj;
                    next["metadata"]!["uid"] = current["metadata"]!["uid"]!.DeepClone();
                    next["metadata"]!["generation"] = current["metadata"]!["generation"]!.DeepClone();
                    if (route.Resource != "secrets")
                    {
                        next["status"] = status;
                        if (obj["spec"]?.ToJsonString() != current["spec"]?.ToJsonString())
                        {
                            next["metadata"]!["generation"] = long.Parse(current["metadata"]!["generation"]!.ToJsonString(), CultureInfo.InvariantCulture) + 1;
                        }
                    }
                }

                Store(route.Resource, key, next, "MODIFIED");
                stored = (JsonObject)next.DeepClone();
            }
        }

        if (stored is null)
        {
            await FailAsync(http, conflict ? 409 : 404, conflict ? "Conflict" : "NotFound");
            return;
        }

        await WriteObjectAsync(http, stored, 200);
    }

    private async Task PatchAsync(HttpContext http, Route route)
    {
        var patch = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        JsonObject? stored = null;
        lock (_gate)
        {
            var key = Key(route.Resource, route.Namespace, route.Name!);
            if (_objects.TryGetValue(key, out var current))
            {
                var next = (JsonObject)current.DeepClone();
                Merge(next, patch);
                Store(route.Resource, key, next, "MODIFIED");
                stored = (JsonObject)next.DeepClone();
            }
        }

        await WriteObjectAsync(http, stored, 200);
    }

    private async Task DeleteAsync(HttpContext http, Route route)
    {
        JsonObject? removed = null;
        lock (_gate)
        {
            var key = Key(route.Resource, route.Namespace, route.Name!);
            if (_objects.Remove(key, out var current))
            {
                current["metadata"]!["resourceVersion"] = Next();
                Record(route.Resource, "DELETED", current);
                removed = current;
            }
        }

        await WriteObjectAsync(http, removed, 200);
    }

    // Under the gate.
    private void Store(string resource, string key, JsonObject obj, string type)
    {
        obj["metadata"]!["resourceVersion"] = Next();
        _objects[key] = obj;
        Record(resource, type, obj);
    }

    // Under the gate.
    private void Record(string resource, string type, JsonObject obj)
    {
        var change = new Change(long.Parse((string)obj["metadata"]!["resourceVersion"]!, CultureInfo.InvariantCulture), resource, type, (JsonObject)obj.DeepClone());
        _log.Add(change);
        foreach (var watcher in _watchers)
        {
            watcher.Offer(change);
        }
    }

    // Under the gate.
    private string Next() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject child && target[name] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }

    private static string Key(string resource, string ns, string name) => $"{resource}/{ns}/{name}";

    private static async Task WriteObjectAsync(HttpContext http, JsonObject? obj, int status)
    {
        if (obj is null)
        {
            await FailAsync(http, 404, "NotFound");
            return;
        }

        http.Response.StatusCode = status;
        await http.Response.WriteAsync(obj.ToJsonString());
    }

    private static async Task FailAsync(HttpContext http, int code, string reason)
    {
        http.Response.StatusCode = code;
        await http.Response.WriteAsync($$"""{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"{{reason}}","message":"{{reason}}","code":{{code}}}""");
    }

    private sealed record Change(long ResourceVersion, string Resource, string Type, JsonObject Object);

    private sealed class Watcher(string resource, string ns, Func<JsonObject, bool> selector)
    {
        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

        public void Offer(Change change)
        {
            if (change.Resource != resource || !selector(change.Object))
            {
                return;
            }

            if (ns.Length > 0 && (string?)change.Object["metadata"]!["namespace"] != ns)
            {
                return;
            }

            Events.Writer.TryWrite(new JsonObject { ["type"] = change.Type, ["object"] = change.Object.DeepClone() }.ToJsonString());
        }
    }

    /// <summary>Equality label selectors (<c>a=b,c=d</c>, <c>a</c> for existence): what the controller sends.</summary>
    private static class Selector
    {
        public static Func<JsonObject, bool> Parse(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return _ => true;
            }

            var terms = text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => t.Split('=', 2)).ToArray();
            return obj =>
            {
                var labels = obj["metadata"]?["labels"] as JsonObject;
                return terms.All(t => labels is not null && labels.TryGetPropertyValue(t[0], out var v) && (t.Length == 1 || (string?)v == t[1]));
            };
        }
    }

    /// <summary>A request path split into resource, namespace, name and subresource.</summary>
    private sealed record Route(string Resource, string Namespace, string? Name, string? Subresource)
    {
        public static Route? Parse(string path)
        {
            var segments = path.Trim('/').Split('/');
            // /api/v1/... or /apis/group/version/...
            var rest = segments switch
            {
                ["api", _, .. var r] => r,
                ["apis", _, _, .. var r] => r,
                _ => null,
            };
            return rest switch
            {
                null or [] => null,
                ["namespaces", var ns, var resource, .. var tail] => new Route(resource, ns, tail.ElementAtOrDefault(0), tail.ElementAtOrDefault(1)),
                [var resource, .. var tail] => new Route(resource, string.Empty, tail.ElementAtOrDefault(0), tail.ElementAtOrDefault(1)),
            };
        }
    }
}
