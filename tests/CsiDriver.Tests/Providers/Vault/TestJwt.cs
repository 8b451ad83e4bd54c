using System.Text.Json;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>Service-account-shaped JWTs with a fake signature; the fake Vault decodes the payload and checks its claims.</summary>
public static class TestJwt
{
    public static string For(string audience, string @namespace = "default", string serviceAccount = "app-sa") =>
        Create(new Dictionary<string, object>
        {
            ["aud"] = new[] { audience },
            ["sub"] = $"system:serviceaccount:{@namespace}:{serviceAccount}",
            ["iss"] = "https://kubernetes.default.svc",
            ["kubernetes.io"] = new Dictionary<string, object> { ["namespace"] = @namespace, ["serviceaccount"] = new Dictionary<string, string> { ["name"] = serviceAccount } },
        });

    public static string Create(object payload)
    {
        var header = Encode("""{"alg":"RS256","kid":"test"}"""u8.ToArray());
        var body = Encode(JsonSerializer.SerializeToUtf8Bytes(payload));
        return $"{header}.{body}.ZmFrZS1zaWduYXR1cmUtZm9yLXRlc3Rz";
    }

    public static JsonElement? Decode(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var text = parts[1].Replace('-', '+').Replace('_', '/');
            text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
            using var document = JsonDocument.Parse(Convert.FromBase64String(text));
            return document.RootElement.Clone();
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Kubelet's serviceAccount.tokens JSON for the given audience → token map.</summary>
    public static string TokensJson(IDictionary<string, string> byAudience) =>
        JsonSerializer.Serialize(byAudience.ToDictionary(kv => kv.Key, kv => new { token = kv.Value, expirationTimestamp = "2026-01-01T01:00:00Z" }));

}
