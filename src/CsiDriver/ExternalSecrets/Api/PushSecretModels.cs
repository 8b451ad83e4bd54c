namespace CsiDriver.ExternalSecrets.Api;

// The external-secrets.io/v1alpha1 PushSecret shapes the PushSecret reconciler reads and writes (eso.md section 7).
// Writes of the object go through its raw JSON (PushSecretDocument), so no unmodelled field is ever dropped.

/// <summary>A <c>PushSecret</c> (v1alpha1).</summary>
internal sealed class PushSecret() : EsResource<PushSecretSpec, PushSecretStatus>(new());

/// <summary><c>PushSecret.spec</c>.</summary>
/// <param name="DataTo">Bulk mapping (operator v2.3+): not supported here; its presence is reported.</param>
internal sealed record PushSecretSpec(
    string? RefreshInterval = null, List<PushSecretStoreRef>? SecretStoreRefs = null, string? UpdatePolicy = null, string? DeletionPolicy = null,
    PushSecretSelector? Selector = null, List<PushSecretData>? Data = null, JsonArray? DataTo = null, ExternalSecretTemplate? Template = null);

/// <summary>One <c>secretStoreRefs[]</c> entry: a store by name, or every store of the kind matching a label selector.</summary>
internal sealed record PushSecretStoreRef(string? Name = null, LabelSelector? LabelSelector = null, string? Kind = null);

/// <summary><c>spec.selector</c>: exactly one of a Secret or a generator.</summary>
internal sealed record PushSecretSelector(PushSecretSourceSecret? Secret = null, JsonObject? GeneratorRef = null);

/// <summary><c>spec.selector.secret</c>: one Secret by name, or Secrets by label selector.</summary>
internal sealed record PushSecretSourceSecret(string? Name = null, LabelSelector? Selector = null);

/// <summary>One <c>data[]</c> entry; also the value of a <c>status.syncedPushSecrets</c> entry.</summary>
internal sealed class PushSecretData
{
    public PushSecretMatch Match { get; set; } = new();

    public JsonNode? Metadata { get; set; }

    public string? ConversionStrategy { get; set; }
}

/// <summary><c>data[].match</c>.</summary>
internal sealed class PushSecretMatch
{
    public string? SecretKey { get; set; }

    public PushSecretRemoteRef RemoteRef { get; set; } = new();
}

/// <summary><c>data[].match.remoteRef</c>.</summary>
internal sealed record PushSecretRemoteRef(string RemoteKey = "", string? Property = null);

/// <summary><c>PushSecret.status</c>.</summary>
/// <param name="SyncedPushSecrets"><c>"&lt;Kind&gt;/&lt;store&gt;"</c> → <c>"&lt;remoteKey&gt;[/&lt;property&gt;]"</c> → the entry that was pushed there.</param>
internal sealed record PushSecretStatus(
    string? RefreshTime = null, string? SyncedResourceVersion = null,
    Dictionary<string, Dictionary<string, PushSecretData>>? SyncedPushSecrets = null, List<StatusCondition>? Conditions = null);

/// <summary>A PushSecret as read: the typed view for decisions and the raw JSON for writes that must keep every field.</summary>
internal sealed record PushSecretDocument(PushSecret Typed, JsonObject Raw)
{
    public static PushSecretDocument From(JsonObject raw) =>
        new(raw.Deserialize(PushSecretJsonContext.Default.PushSecret) ?? new PushSecret(), raw);
}

/// <summary>A list of stores, for <c>secretStoreRefs[].labelSelector</c>.</summary>
internal sealed record SecretStoreList(List<JsonObject>? Items = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PushSecret))]
[JsonSerializable(typeof(PushSecretStatus))]
[JsonSerializable(typeof(SecretStoreList))]
internal sealed partial class PushSecretJsonContext : JsonSerializerContext
{
}
