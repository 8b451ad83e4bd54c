using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Vault;
using CsiDriver.Providers.Vault;
using CsiDriver.Publishing;
using CsiDriver.Templating.Functions;

namespace CsiDriver.ExternalSecrets.Generators;

/// <summary>
/// The <c>VaultDynamicSecret</c> generator (the operator's field names): <c>path</c>, <c>method</c> (GET),
/// <c>parameters</c> (a query for GET, else the JSON body), <c>resultType</c> (<c>Data</c>, <c>Auth</c> or <c>Raw</c>),
/// <c>allowEmptyResponse</c>, <c>retrySettings</c> (<c>maxRetries</c>, <c>retryInterval</c>: failures Vault may get over,
/// 5xx and no answer, are retried; none by default), and <c>provider</c>: a vault store block, logged in through the vault store's own auth
/// (so tokens, service-account tokens and re-logins are shared with it). Each top-level field of the result becomes a
/// key: strings as they are, anything else as JSON. A leased answer (database credentials) is handed to
/// <see cref="GeneratedLeases"/>, which renews it while the ExternalSecret holds it and revokes it once replaced.
/// </summary>
internal sealed class VaultDynamicSecretGenerator(IEnumerable<IStoreProvider> stores, GeneratedLeases leases, TimeProvider time) : IGenerator
{
    public const string GeneratorKind = "VaultDynamicSecret";

    public string Kind => GeneratorKind;

    public async Task<IReadOnlyDictionary<string, byte[]>> GenerateAsync(JsonObject spec, GeneratorCall call, CancellationToken cancellationToken)
    {
        var path = Text(spec, "path") ?? throw new GeneratorException("VaultDynamicSecret: spec.path is required");
        var method = (Text(spec, "method") ?? "GET").ToUpperInvariant();
        var resultType = Text(spec, "resultType") ?? "Data";
        if (resultType is not ("Data" or "Auth" or "Raw"))
        {
            throw new GeneratorException($"VaultDynamicSecret: resultType {resultType} is not one of Data, Auth, Raw");
        }

        var (maxRetries, retryInterval) = RetrySettings(spec);
        if (spec["provider"] is not JsonObject provider)
        {
            throw new GeneratorException("VaultDynamicSecret: spec.provider is required");
        }

        string? body = null;
        if (spec["parameters"] is JsonObject parameters && parameters.Count > 0)
        {
            if (method == "GET")
            {
                var query = string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value?.ToJsonString() ?? string.Empty)}"));
                path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
            }
            else
            {
                body = parameters.ToJsonString();
            }
        }

        // The generator is a store for one call: same parsing, references (in the ExternalSecret's namespace) and logins.
        var store = new StoreContext(GeneratorKind, "generator", string.Empty, 0, "vault", provider, call.Namespace);
        VaultResponse response;
        try
        {
            var vault = stores.LastOrDefault(s => s.Key == "vault") ?? throw new GeneratorException("VaultDynamicSecret: the vault store provider is not available");
            var client = await vault.ConnectAsync(store, cancellationToken).ConfigureAwait(false) as VaultStoreClient
                ?? throw new GeneratorException("VaultDynamicSecret: the vault store provider is not available");
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    response = await client.RequestAsync(path, method, body, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (SecretStoreException ex) when (attempt < maxRetries && ex.Kind is FailureKind.Unavailable or FailureKind.Timeout or FailureKind.Internal)
                {
                    await Task.Delay(retryInterval, time, cancellationToken).ConfigureAwait(false);
                }
            }

            // Tracked before the answer is checked: a lease minted for an answer that is then refused is revoked too.
            leases.Track(call, client, path, response);
        }
        catch (SecretStoreException ex)
        {
            throw new GeneratorException($"VaultDynamicSecret: {ex.Message}", ex);
        }

        JsonElement? result = resultType switch
        {
            "Auth" => response.Root is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.Object ? auth : null,
            "Raw" => response.Root,
            _ => response.Data,
        };
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (result is { ValueKind: JsonValueKind.Object } obj)
        {
            foreach (var field in obj.EnumerateObject())
            {
                values[field.Name] = field.Value.ValueKind == JsonValueKind.String
                    ? Encoding.UTF8.GetBytes(field.Value.GetString() ?? string.Empty)
                    : GoJson.Serialize(field.Value);
            }
        }

        if (values.Count == 0 && !(spec["allowEmptyResponse"] is JsonValue allow && allow.TryGetValue<bool>(out var ok) && ok))
        {
            throw new GeneratorException($"VaultDynamicSecret: Vault returned no {resultType.ToLowerInvariant()} at {path}");
        }

        return values;
    }

    /// <summary><c>retrySettings</c>: no retries unless <c>maxRetries</c> is set; <c>retryInterval</c> a Go duration (default 1s).</summary>
    private static (int MaxRetries, TimeSpan Interval) RetrySettings(JsonObject spec)
    {
        if (spec["retrySettings"] is not JsonObject settings)
        {
            return (0, TimeSpan.Zero);
        }

        var max = settings["maxRetries"] is JsonValue m && m.TryGetValue<int>(out var n) ? n : 0;
        if (max is < 0 or > 100)
        {
            throw new GeneratorException("VaultDynamicSecret: retrySettings.maxRetries must be between 0 and 100");
        }

        var interval = TimeSpan.FromSeconds(1);
        if (Text(settings, "retryInterval") is { } text)
        {
            try
            {
                interval = CsiDriver.Hosting.GoDuration.Parse(text);
            }
            catch (FormatException)
            {
                throw new GeneratorException($"VaultDynamicSecret: retrySettings.retryInterval \"{text}\" is not a duration");
            }
        }

        return (max, interval > TimeSpan.Zero ? interval : TimeSpan.Zero);
    }

    private static string? Text(JsonObject spec, string field) => spec[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
