using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Kubernetes;

/// <summary>
/// What the External Secrets controller needs from the loopback API server: custom resources of
/// <c>external-secrets.io</c> (v1 and v1beta1 read alike) with a <c>/status</c> subresource (an update of the main
/// resource keeps the status; a status update changes nothing else), <c>metadata.generation</c> bumped on spec
/// changes, <c>deletionTimestamp</c> set instead of deleting while finalizers remain, cluster-scoped objects
/// (ClusterSecretStores, Namespaces), Secret lists by label selector, and immutable Secrets refusing data changes.
/// </summary>
public sealed partial class FakeKubeApiServer
{
    public const string EsoGroup = "external-secrets.io";

    /// <summary>The generators' group (<c>Password</c>, <c>VaultDynamicSecret</c>, <c>ClusterGenerator</c>), served like the main one.</summary>
    public const string GeneratorsGroup = "generators.external-secrets.io";

    /// <summary>Stores a custom resource or a Namespace as if created earlier (generation 1 unless given); returns it.</summary>
    public JsonObject PutObject(string group, string resource, string? ns, JsonObject obj)
    {
        lock (_gate)
        {
            var meta = obj["metadata"]!.AsObject();
            var name = meta["name"]!.GetValue<string>();
            if (!string.IsNullOrEmpty(ns))
            {
                meta["namespace"] = ns;
            }

            meta["uid"] ??= Guid.NewGuid().ToString();
            meta["generation"] ??= 1L;
            meta["creationTimestamp"] ??= DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            meta["resourceVersion"] = Next();
            _objects[Key(group, resource, ns ?? string.Empty, name)] = obj;
            return (JsonObject)obj.DeepClone();
        }
    }

    /// <summary>Changes an object as a client's update would (generation bumped when the spec changes).</summary>
    public JsonObject Mutate(string group, string resource, string? ns, string name, Action<JsonObject> change)
    {
        lock (_gate)
        {
            var key = Key(group, resource, ns ?? string.Empty, name);
            var current = _objects[key];
            var next = (JsonObject)current.DeepClone();
            change(next);
            Store(key, current, next, statusUpdate: false);
            return (JsonObject)(_objects.TryGetValue(key, out var stored) ? stored : next).DeepClone();
        }
    }

    /// <summary>Deletes as the API server does: with finalizers left, only <c>deletionTimestamp</c> is set.</summary>
    public void DeleteObject(string group, string resource, string? ns, string name)
    {
        lock (_gate)
        {
            Delete(Key(group, resource, ns ?? string.Empty, name));
        }
    }

    private async Task<bool> TryHandleStatusFeaturesAsync(HttpContext context, string user)
    {
        var request = context.Request;
        if (request.Query.ContainsKey("watch"))
        {
            // Watches are FakeKubeApiServer.Watch.cs's.
            return false;
        }

        var parts = request.Path.Value!.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        string group, resource, ns = string.Empty;
        string? name = null;
        var subresource = string.Empty;
        if (parts.Length >= 3 && parts[0] == "apis" && ((parts[1] == EsoGroup && parts[2] is "v1" or "v1beta1" or "v1alpha1") || (parts[1] == GeneratorsGroup && parts[2] == "v1alpha1")))
        {
            group = parts[1];
            var rest = parts[3..];
            if (rest.Length >= 3 && rest[0] == "namespaces")
            {
                ns = rest[1];
                rest = rest[2..];
            }

            if (rest.Length is < 1 or > 3)
            {
                return false;
            }

            resource = rest[0];
            name = rest.Length >= 2 ? rest[1] : null;
            subresource = rest.Length == 3 ? rest[2] : string.Empty;
            if (subresource.Length > 0 && subresource != "status")
            {
                return false;
            }
        }
        else if (parts.Length == 3 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && request.Method == "GET")
        {
            group = string.Empty;
            resource = "namespaces";
        }
        else if (parts.Length == 4 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces")
        {
            group = string.Empty;
            resource = "namespaces";
            name = parts[3];
        }
        else if (parts.Length == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && parts[4] == "secrets" && request.Method == "GET")
        {
            group = string.Empty;
            resource = "secrets";
            ns = parts[3];
        }
        else if (parts.Length == 6 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && parts[4] == "secrets" && request.Method is "PUT" or "PATCH")
        {
            return await RefuseImmutableChangeAsync(context, user, parts[3], parts[5]);
        }
        else
        {
            return false;
        }

        var verb = request.Method switch
        {
            "GET" when name is null => "list",
            "GET" => "get",
            "POST" when name is null => "create",
            "PUT" when name is not null => "update",
            "PATCH" when name is not null => "patch",
            "DELETE" when name is not null => "delete",
            _ => string.Empty,
        };
        if (verb.Length == 0)
        {
            return false;
        }

        var rbacResource = subresource.Length == 0 ? resource : $"{resource}/{subresource}";
        var seen = new FakeRequest(user, verb, group, rbacResource, ns, name, 0);
        if (TakeFault(seen) is { } fault)
        {
            Record(seen, (int)fault.Status);
            await WriteStatusAsync(context, fault.Status, fault.Reason ?? fault.Status.ToString(), "injected failure");
            return true;
        }

        if (!Authorized(user, group, rbacResource, verb, ns, name))
        {
            Record(seen, 403);
            await WriteStatusAsync(context, HttpStatusCode.Forbidden, "Forbidden", $"{rbacResource} is forbidden: User \"{user}\" cannot {verb} resource \"{rbacResource}\" in API group \"{group}\"");
            return true;
        }

        var body = verb is "create" or "update" or "patch" ? await ReadJsonAsync(context) : null;
        var (status, response) = verb == "list"
            ? ListObjects(group, resource, ns, request.Query["labelSelector"].ToString())
            : ApplyCustom(verb, group, resource, ns, name!, subresource == "status", body);
        Record(seen, (int)status);
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString());
        return true;
    }

    private async Task<bool> RefuseImmutableChangeAsync(HttpContext context, string user, string ns, string name)
    {
        JsonObject? current;
        lock (_gate)
        {
            current = _objects.TryGetValue(Key(string.Empty, "secrets", ns, name), out var obj) ? obj : null;
        }

        if (current?["immutable"]?.GetValue<bool>() != true)
        {
            return false;
        }

        context.Request.EnableBuffering();
        JsonObject body;
        using (var reader = new StreamReader(context.Request.Body, leaveOpen: true))
        {
            body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        }

        context.Request.Body.Position = 0;
        var data = context.Request.Method == "PATCH" ? (body["data"] is null ? current["data"] : body["data"]) : body["data"];
        if (JsonNode.DeepEquals(data, current["data"]) && (body["immutable"] is null || body["immutable"]!.GetValue<bool>()))
        {
            return false;
        }

        Record(new FakeRequest(user, context.Request.Method == "PATCH" ? "patch" : "update", string.Empty, "secrets", ns, name, 0), 422);
        await WriteStatusAsync(context, HttpStatusCode.UnprocessableEntity, "Invalid", $"Secret \"{name}\" is invalid: data: Forbidden: field is immutable when `immutable` is set");
        return true;
    }

    private (HttpStatusCode, JsonObject) ListObjects(string group, string resource, string ns, string labelSelector)
    {
        var prefix = Key(group, resource, ns, string.Empty);
        var terms = labelSelector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lock (_gate)
        {
            var items = _objects
                .Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal) && MatchesSelector(o.Value, terms))
                .Select(o => (JsonNode?)o.Value.DeepClone())
                .ToArray();
            return (HttpStatusCode.OK, new JsonObject
            {
                ["kind"] = resource == "secrets" ? "SecretList" : "List",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray(items),
            });
        }
    }

    private static bool MatchesSelector(JsonObject obj, string[] terms)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        string? Label(string key) => labels?[key]?.GetValue<string>();
        foreach (var term in terms)
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                var pair = term.Split("!=", 2);
                if (Label(pair[0]) == pair[1])
                {
                    return false;
                }
            }
            else if (term.Contains('='))
            {
                var pair = term.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
                if (Label(pair[0]) != pair[1])
                {
                    return false;
                }
            }
            else if (term.StartsWith('!'))
            {
                if (Label(term[1..]) is not null)
                {
                    return false;
                }
            }
            else if (Label(term) is null)
            {
                return false;
            }
        }

        return true;
    }

    private (HttpStatusCode, JsonObject) ApplyCustom(string verb, string group, string resource, string ns, string name, bool statusUpdate, JsonObject? body)
    {
        var kind = $"{resource}{(group.Length == 0 ? string.Empty : "." + group)}";
        var key = Key(group, resource, ns, name);
        lock (_gate)
        {
            _objects.TryGetValue(key, out var current);
            switch (verb)
            {
                case "get":
                    return current is null ? NotFound(kind, name) : (HttpStatusCode.OK, (JsonObject)current.DeepClone());
                case "create":
                    // A create names the object in its body, not in the path.
                    name = body!["metadata"]?["name"]?.GetValue<string>() ?? string.Empty;
                    key = Key(group, resource, ns, name);
                    if (_objects.ContainsKey(key))
                    {
                        return Status(HttpStatusCode.Conflict, "AlreadyExists", $"{kind} \"{name}\" already exists");
                    }

                    body.Remove("status");
                    body["metadata"]!["generation"] = 1L;
                    PutObject(group, resource, ns, body);
                    return (HttpStatusCode.Created, (JsonObject)_objects[key].DeepClone());
                case "delete":
                    if (current is null)
                    {
                        return NotFound(kind, name);
                    }

                    Delete(key);
                    return Status(HttpStatusCode.OK, string.Empty, string.Empty, success: true);
                default:
                    if (current is null)
                    {
                        return NotFound(kind, name);
                    }

                    var sent = body!["metadata"]?["resourceVersion"]?.GetValue<string>();
                    if (!string.IsNullOrEmpty(sent) && sent != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                    {
                        return Status(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {kind} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
                    }

                    var next = verb == "patch" ? (JsonObject)MergePatch(current.DeepClone(), body)! : body;
                    Store(key, current, next, statusUpdate);
                    return (HttpStatusCode.OK, (JsonObject)(_objects.TryGetValue(key, out var stored) ? stored : next).DeepClone());
            }
        }
    }

    // Caller holds _gate. Applies the status-subresource, generation and finalizer rules, then stores.
    private void Store(string key, JsonObject current, JsonObject next, bool statusUpdate)
    {
        JsonObject stored;
        if (statusUpdate)
        {
            stored = (JsonObject)current.DeepClone();
            stored["status"] = next["status"]?.DeepClone();
        }
        else
        {
            stored = next;
            stored["status"] = current["status"]?.DeepClone();
            var meta = stored["metadata"]!.AsObject();
            var currentMeta = current["metadata"]!.AsObject();
            meta["uid"] = currentMeta["uid"]?.DeepClone();
            meta["namespace"] = currentMeta["namespace"]?.DeepClone();
            meta["creationTimestamp"] = currentMeta["creationTimestamp"]?.DeepClone();
            meta["deletionTimestamp"] = currentMeta["deletionTimestamp"]?.DeepClone();
            var generation = Generation(currentMeta["generation"]);
            meta["generation"] = JsonNode.DeepEquals(stored["spec"], current["spec"]) ? generation : generation + 1;
            if (meta["deletionTimestamp"] is not null && (meta["finalizers"] as JsonArray ?? []).Count == 0)
            {
                _objects.Remove(key);
                return;
            }
        }

        stored["metadata"]!["resourceVersion"] = Next();
        _objects[key] = stored;
    }

    private static long Generation(JsonNode? node) =>
        node is not JsonValue value ? 1 : value.TryGetValue<long>(out var asLong) ? asLong : value.TryGetValue<int>(out var asInt) ? asInt : 1;

    // Caller holds _gate.
    private void Delete(string key)
    {
        if (!_objects.TryGetValue(key, out var current))
        {
            return;
        }

        var meta = current["metadata"]!.AsObject();
        if ((meta["finalizers"] as JsonArray ?? []).Count == 0)
        {
            _objects.Remove(key);
            return;
        }

        // Stored anew (not changed in place) so watches see the MODIFIED event, as from a real API server.
        var next = (JsonObject)current.DeepClone();
        next["metadata"]!["deletionTimestamp"] ??= DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        next["metadata"]!["resourceVersion"] = Next();
        _objects[key] = next;
    }
}
