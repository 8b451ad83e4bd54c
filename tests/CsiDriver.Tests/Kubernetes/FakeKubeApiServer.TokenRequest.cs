using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CsiDriver.Tests.Providers.Vault;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Kubernetes;

/// <summary>
/// The TokenRequest subresource (<c>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token</c>), as the real API server
/// serves it: RBAC on <c>serviceaccounts/token</c> <c>create</c>, 404 for a missing ServiceAccount, 422 for a lifetime under
/// ten minutes, the audiences asked for (the server's own when none), and a service-account-shaped JWT (<see cref="TestJwt"/>,
/// which the fake Vault's Kubernetes auth checks). A token bound to the server's own audience authenticates to this server
/// as <c>system:serviceaccount:{ns}:{name}</c>; one bound only to other audiences does not, as a real server refuses it.
/// </summary>
public sealed partial class FakeKubeApiServer
{
    /// <summary>The audience the API server itself accepts, used when a TokenRequest names none.</summary>
    public const string ApiAudience = "https://kubernetes.default.svc";

    private readonly ConcurrentQueue<string> _issuedTokens = new();

    /// <summary>The clock that dates issued tokens; tests share a manual one with the client.</summary>
    public TimeProvider TokenClock { get; set; } = TimeProvider.System;

    /// <summary>Every token the server issued, so tests can check none leaks into a message.</summary>
    public IReadOnlyCollection<string> IssuedTokens => _issuedTokens.ToArray();

    /// <summary>TokenRequests that were answered with a token.</summary>
    public int TokenRequestCount => _issuedTokens.Count;

    /// <summary>A ServiceAccount object (the TokenRequest needs it to exist).</summary>
    public void PutServiceAccount(string ns, string name) =>
        Put(string.Empty, "serviceaccounts", ns, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = name } });

    private async Task<bool> TryHandleTokenRequestAsync(HttpContext context, string user)
    {
        var parts = context.Request.Path.Value!.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (parts is not ["api", "v1", "namespaces", var ns, "serviceaccounts", var name, "token"] || context.Request.Method != "POST")
        {
            return false;
        }

        var seen = new FakeRequest(user, "create", string.Empty, "serviceaccounts/token", ns, name, 0);
        if (TakeFault(seen) is { } fault)
        {
            Record(seen, (int)fault.Status);
            await WriteStatusAsync(context, fault.Status, fault.Reason ?? fault.Status.ToString(), "injected failure");
            return true;
        }

        if (!Authorized(user, string.Empty, "serviceaccounts/token", "create", ns, name))
        {
            Record(seen, 403);
            await WriteStatusAsync(context, HttpStatusCode.Forbidden, "Forbidden",
                $"serviceaccounts \"{name}\" is forbidden: User \"{user}\" cannot create resource \"serviceaccounts/token\" in API group \"\" in the namespace \"{ns}\"");
            return true;
        }

        if (Get(string.Empty, "serviceaccounts", ns, name) is null)
        {
            Record(seen, 404);
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"serviceaccounts \"{name}\" not found");
            return true;
        }

        var body = await ReadJsonAsync(context);
        var spec = body["spec"]?.AsObject() ?? [];
        var audiences = spec["audiences"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
        var seconds = spec["expirationSeconds"]?.GetValue<long>() ?? 3600;
        if (seconds < 600)
        {
            Record(seen, 422);
            await WriteStatusAsync(context, HttpStatusCode.UnprocessableEntity, "Invalid", "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes");
            return true;
        }

        if (audiences.Count == 0)
        {
            audiences.Add(ApiAudience);
        }

        var now = TokenClock.GetUtcNow();
        var expires = now.AddSeconds(seconds);
        var token = TestJwt.Create(new Dictionary<string, object>
        {
            ["aud"] = audiences,
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
            ["iss"] = ApiAudience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = new Dictionary<string, object> { ["namespace"] = ns, ["serviceaccount"] = new Dictionary<string, string> { ["name"] = name } },
        });
        if (audiences.Contains(ApiAudience))
        {
            AddToken(token, $"system:serviceaccount:{ns}:{name}");
        }

        _issuedTokens.Enqueue(token);
        Record(seen, 201);
        body["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = expires.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) };
        spec["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode?)a)]);
        spec["expirationSeconds"] = seconds;
        body["spec"] = spec.DeepClone();
        context.Response.StatusCode = 201;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
        return true;
    }
}
