using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// Federated credentials as Entra ID holds them: a client trusts an issuer's subject
/// (<c>system:serviceaccount:NS:NAME</c>) for the audience <c>api://AzureADTokenExchange</c>, so any token the API server
/// issues for that service account and audience is accepted as the client's assertion.
/// </summary>
internal sealed partial class FakeAzure
{
    /// <summary>Client id to the service-account subject its federated credential trusts.</summary>
    public ConcurrentDictionary<string, string> FederatedSubjects { get; } = new();

    private bool FederatedBySubject(string client, string assertion)
    {
        if (!FederatedSubjects.TryGetValue(client, out var subject))
        {
            return false;
        }

        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        var claims = JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
        var audiences = claims["aud"] is JsonArray array ? array.Select(a => a!.GetValue<string>()).ToList() : [claims["aud"]?.GetValue<string>() ?? string.Empty];
        return claims["sub"]?.GetValue<string>() == subject && audiences.Contains("api://AzureADTokenExchange");
    }
}
