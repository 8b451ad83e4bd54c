namespace CsiDriver.Publishing;

/// <summary>
/// The pod's service-account tokens kubelet minted for our CSIDriver's <c>tokenRequests</c>
/// audiences. Held in memory only: never logged, never written to the state dir.
/// </summary>
public sealed class ServiceAccountTokens
{
    /// <summary>The volume_context / secrets key kubelet uses for the tokens JSON.</summary>
    public const string AttributeKey = "csi.storage.k8s.io/serviceAccount.tokens";

    public static readonly ServiceAccountTokens None = new(new Dictionary<string, ServiceAccountToken>(StringComparer.Ordinal), null);

    private readonly IReadOnlyDictionary<string, ServiceAccountToken> _byAudience;

    private ServiceAccountTokens(IReadOnlyDictionary<string, ServiceAccountToken> byAudience, string? rawJson)
    {
        _byAudience = byAudience;
        RawJson = rawJson;
    }

    /// <summary>The JSON exactly as kubelet sent it, for external plugins that expect the upstream attribute.</summary>
    public string? RawJson { get; }

    public IEnumerable<string> Audiences => _byAudience.Keys;

    public bool TryGet(string audience, out ServiceAccountToken token) => _byAudience.TryGetValue(audience, out token!);

    /// <summary>Parses kubelet's <c>{"aud": {"token": "...", "expirationTimestamp": "..."}}</c> map.</summary>
    public static ServiceAccountTokens Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return None;
        }

        var tokens = new Dictionary<string, ServiceAccountToken>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{AttributeKey} is not a JSON object");
            }

            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Object ||
                    !entry.Value.TryGetProperty("token", out var token) || token.ValueKind != JsonValueKind.String)
                {
                    throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{AttributeKey} entry for audience '{entry.Name}' has no token");
                }

                var expires = entry.Value.TryGetProperty("expirationTimestamp", out var exp) && exp.ValueKind == JsonValueKind.String &&
                    DateTimeOffset.TryParse(exp.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : (DateTimeOffset?)null;
                tokens[entry.Name] = new ServiceAccountToken(token.GetString()!, expires);
            }
        }
        catch (JsonException)
        {
            // The parser's message may quote the token text, so it is not passed on.
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{AttributeKey} is not valid JSON");
        }

        return new ServiceAccountTokens(tokens, json);
    }

    public override string ToString() => $"tokens for [{string.Join(", ", _byAudience.Keys)}]";
}

/// <summary>One audience's token. <see cref="ToString"/> never shows the token.</summary>
public sealed record ServiceAccountToken(string Token, DateTimeOffset? ExpiresAt)
{
    public override string ToString() => $"token (expires {ExpiresAt:O})";
}
