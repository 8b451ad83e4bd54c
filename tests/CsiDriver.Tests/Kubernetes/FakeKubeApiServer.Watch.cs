using System.Collections;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Kubernetes;

/// <summary>
/// List and watch for the fake API server, as the real one serves them: collection GETs (one namespace, all
/// namespaces, or cluster-scoped) with equality <c>labelSelector</c>s and the collection's resourceVersion in the
/// list metadata; <c>?watch=1</c> streams one JSON event per line from a resourceVersion, turns label-selector
/// transitions into ADDED/DELETED as the watch cache does, sends BOOKMARKs when allowed, ends after
/// <c>timeoutSeconds</c>, and answers a resourceVersion older than the compacted history with an ERROR event
/// (code 410). Tests compact the history, send bookmarks and break open streams.
/// </summary>
public sealed partial class FakeKubeApiServer
{
    private readonly List<WatchRecord> _history = [];
    private readonly List<Watcher> _watchers = [];
    private long _compactedThrough;

    /// <summary>Open watch streams.</summary>
    public int ActiveWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>The current resourceVersion of the whole store.</summary>
    public long CurrentResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Deletes an object as if by another client (a DELETED event for watchers); false if it was not there.</summary>
    public bool Delete(string group, string resource, string ns, string name)
    {
        lock (_gate)
        {
            return _objects.Remove(Key(group, resource, ns, name));
        }
    }

    /// <summary>Forgets the event history: a watch from any earlier resourceVersion now gets 410 Gone.</summary>
    public void CompactWatchHistory()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    /// <summary>Aborts every open watch connection mid-stream (as a dropped TCP connection would); returns how many.</summary>
    public int BreakWatches()
    {
        List<Watcher> open;
        lock (_gate)
        {
            open = [.. _watchers];
        }

        foreach (var watcher in open)
        {
            try
            {
                watcher.Break.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That stream ended on its own meanwhile.
            }
        }

        return open.Count;
    }

    /// <summary>Sends a BOOKMARK at the current resourceVersion to every watch that allowed them.</summary>
    public void SendBookmarks()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers.Where(w => w.Bookmarks))
            {
                var bookmark = new JsonObject
                {
                    ["kind"] = "Bookmark",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                };
                watcher.Lines.Writer.TryWrite(Line("BOOKMARK", bookmark));
            }
        }
    }

    /// <summary>Hook from the router: serves collection GETs (list and watch); false for anything else.</summary>
    private async Task<bool> TryServeCollectionAsync(HttpContext context, string user)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || !TryRouteCollection(context.Request.Path.Value!, out var collection))
        {
            return false;
        }

        var query = context.Request.Query;
        var watch = query["watch"] is { Count: > 0 } w && (w[0] is "1" or "true");
        var verb = watch ? "watch" : "list";
        var seen = new FakeRequest(user, verb, collection.Group, collection.Resource, collection.Namespace ?? string.Empty, null, 0);
        if (TakeFault(seen) is { } fault)
        {
            Record(seen, (int)fault.Status);
            await WriteStatusAsync(context, fault.Status, fault.Reason ?? fault.Status.ToString(), "injected failure");
            return true;
        }

        if (!Authorized(user, collection.Group, collection.Resource, verb, collection.Namespace ?? string.Empty, null))
        {
            Record(seen, 403);
            var groupText = collection.Group.Length == 0 ? "\"\"" : $"\"{collection.Group}\"";
            var scope = collection.Namespace is null ? "at the cluster scope" : $"in the namespace \"{collection.Namespace}\"";
            await WriteStatusAsync(context, HttpStatusCode.Forbidden, "Forbidden",
                $"{collection.Resource} is forbidden: User \"{user}\" cannot {verb} resource \"{collection.Resource}\" in API group {groupText} {scope}");
            return true;
        }

        if (!LabelSelector.TryParse(query["labelSelector"].ToString(), out var selector))
        {
            Record(seen, 400);
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "unable to parse requirement: invalid label selector");
            return true;
        }

        Record(seen, 200);
        if (watch)
        {
            var timeout = int.TryParse(query["timeoutSeconds"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : 1800;
            await ServeWatchAsync(context, collection, selector, query["resourceVersion"].ToString(), query["allowWatchBookmarks"].ToString() == "true", timeout);
        }
        else
        {
            JsonObject list;
            lock (_gate)
            {
                var items = new JsonArray();
                foreach (var (_, obj) in _objects.In(collection).Where(o => selector.Matches(o.Object)).OrderBy(o => o.Key, StringComparer.Ordinal))
                {
                    items.Add(obj.DeepClone());
                }

                list = new JsonObject
                {
                    ["kind"] = "List",
                    ["apiVersion"] = "v1",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                    ["items"] = items,
                };
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(list.ToJsonString());
        }

        return true;
    }

    private async Task ServeWatchAsync(HttpContext context, Collection collection, LabelSelector selector, string fromText, bool bookmarks, int timeoutSeconds)
    {
        using var watcher = new Watcher(collection, selector, bookmarks);
        lock (_gate)
        {
            if (fromText.Length == 0 || fromText == "0")
            {
                // "Any version": the current state as ADDED events, then changes.
                foreach (var (_, obj) in _objects.In(collection).Where(o => selector.Matches(o.Object)))
                {
                    watcher.Lines.Writer.TryWrite(Line("ADDED", obj));
                }
            }
            else if (!long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out var from) || from < _compactedThrough)
            {
                watcher.Lines.Writer.TryWrite(Line("ERROR", Status(HttpStatusCode.Gone, "Expired", $"too old resource version: {fromText} ({_compactedThrough})").Item2));
                watcher.Lines.Writer.TryComplete();
            }
            else
            {
                foreach (var record in _history.Where(r => r.ResourceVersion > from))
                {
                    watcher.Offer(record);
                }
            }

            _watchers.Add(watcher);
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync();
            await context.Response.Body.FlushAsync();
            using var until = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, watcher.Break.Token, _app.Lifetime.ApplicationStopping);
            until.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
            await foreach (var line in watcher.Lines.Reader.ReadAllAsync(until.Token))
            {
                await context.Response.WriteAsync(line, until.Token);
                await context.Response.Body.FlushAsync(until.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Timed out (a clean end), the client went away, or a test breaks the stream below.
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }

        if (watcher.Break.IsCancellationRequested)
        {
            context.Abort();
        }
    }

    /// <summary>Called under the gate by every store mutation: records the event and offers it to open watches.</summary>
    private void OnStored(string key, string type, JsonObject? old, JsonObject current)
    {
        var parts = key.Split('|');
        var record = new WatchRecord(
            long.Parse(current["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "0", CultureInfo.InvariantCulture),
            type,
            parts[0],
            parts[1],
            parts[2],
            (JsonObject?)old?.DeepClone(),
            (JsonObject)current.DeepClone());
        _history.Add(record);
        foreach (var watcher in _watchers)
        {
            watcher.Offer(record);
        }
    }

    private static bool TryRouteCollection(string path, out Collection collection)
    {
        collection = default;
        var parts = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        int rest;
        string group;
        if (parts.Length >= 2 && parts[0] == "api" && parts[1] == "v1")
        {
            group = string.Empty;
            rest = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            group = parts[1];
            rest = 3;
        }
        else
        {
            return false;
        }

        switch (parts.Length - rest)
        {
            case 1:
                collection = new Collection(group, parts[rest], null);
                return true;
            case 3 when parts[rest] == "namespaces":
                collection = new Collection(group, parts[rest + 2], parts[rest + 1]);
                return true;
            default:
                return false;
        }
    }

    private static string Rv(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Line(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";

    /// <summary>A collection a request names: namespace null means every namespace (or a cluster-scoped kind).</summary>
    private readonly record struct Collection(string Group, string Resource, string? Namespace)
    {
        public bool Contains(string group, string resource, string ns) =>
            group == Group && resource == Resource && (Namespace is null || Namespace == ns);
    }

    private sealed record WatchRecord(long ResourceVersion, string Type, string Group, string Resource, string Namespace, JsonObject? Old, JsonObject Current);

    private sealed class Watcher(Collection collection, LabelSelector selector, bool bookmarks) : IDisposable
    {
        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public CancellationTokenSource Break { get; } = new();

        public bool Bookmarks { get; } = bookmarks;

        /// <summary>Sends the record if it concerns this watch, as the watch cache would show it through the selector.</summary>
        public void Offer(WatchRecord record)
        {
            if (!collection.Contains(record.Group, record.Resource, record.Namespace))
            {
                return;
            }

            var before = record.Old is not null && selector.Matches(record.Old);
            var after = record.Type != "DELETED" && selector.Matches(record.Current);
            var type = (before, after) switch
            {
                (false, true) => "ADDED",
                (true, true) => "MODIFIED",
                (true, false) => "DELETED",
                _ => null,
            };
            if (type is not null)
            {
                Lines.Writer.TryWrite(Line(type, record.Current));
            }
        }

        public void Dispose() => Break.Dispose();
    }

    /// <summary>Equality-based label selectors: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k</c>, <c>!k</c>, comma-separated.</summary>
    private sealed class LabelSelector
    {
        private readonly List<(string Key, string? Value, bool Negate)> _terms = [];

        public static bool TryParse(string text, out LabelSelector selector)
        {
            selector = new LabelSelector();
            foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (raw.Contains(" in ", StringComparison.Ordinal) || raw.Contains('(', StringComparison.Ordinal))
                {
                    return false;
                }

                if (raw.Split("!=") is [var nk, var nv])
                {
                    selector._terms.Add((nk, nv, true));
                }
                else if (raw.Split("==") is [var ek, var ev])
                {
                    selector._terms.Add((ek, ev, false));
                }
                else if (raw.Split('=') is [var k, var v])
                {
                    selector._terms.Add((k, v, false));
                }
                else if (raw.StartsWith('!'))
                {
                    selector._terms.Add((raw[1..], null, true));
                }
                else if (!raw.Contains('=', StringComparison.Ordinal))
                {
                    selector._terms.Add((raw, null, false));
                }
                else
                {
                    return false;
                }
            }

            return true;
        }

        public bool Matches(JsonObject obj)
        {
            var labels = obj["metadata"]?["labels"] as JsonObject;
            foreach (var (key, value, negate) in _terms)
            {
                var actual = labels?[key]?.GetValue<string>();
                var match = value is null ? actual is not null : actual == value;
                if (match == negate)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The object store: a dictionary whose every write and removal is also a watch event.</summary>
    private sealed class WatchedObjects(FakeKubeApiServer server) : IEnumerable<KeyValuePair<string, JsonObject>>
    {
        private readonly Dictionary<string, JsonObject> _inner = new(StringComparer.Ordinal);

        public JsonObject this[string key]
        {
            get => _inner[key];
            set
            {
                _inner.TryGetValue(key, out var old);
                _inner[key] = value;
                server.OnStored(key, old is null ? "ADDED" : "MODIFIED", old, value);
            }
        }

        public bool ContainsKey(string key) => _inner.ContainsKey(key);

        public bool TryGetValue(string key, out JsonObject value) => _inner.TryGetValue(key, out value!);

        public bool Remove(string key)
        {
            if (!_inner.Remove(key, out var old))
            {
                return false;
            }

            // The deletion is itself a change with its own resourceVersion, as on a real server.
            var gone = (JsonObject)old.DeepClone();
            gone["metadata"]!["resourceVersion"] = server.Next();
            server.OnStored(key, "DELETED", old, gone);
            return true;
        }

        public IEnumerable<(string Key, JsonObject Object)> In(Collection collection) =>
            _inner.Where(o =>
            {
                var parts = o.Key.Split('|');
                return collection.Contains(parts[0], parts[1], parts[2]);
            }).Select(o => (o.Key, o.Value));

        public IEnumerator<KeyValuePair<string, JsonObject>> GetEnumerator() => _inner.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
