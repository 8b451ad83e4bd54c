namespace CsiDriver.ExternalSecrets.Api;

// The external-secrets.io/v1alpha1 PushSecret shapes the PushSecret reconciler reads and writes (eso.md section 7).
// Writes of the object go through its raw JSON (PushSecretDocument), so no unmodelled field is ever dropped.

/// <summary>A <c>PushSecret</c> (v1alpha1).</summary>
internal sealed class PushSecret
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public EsObjectMeta Metadata { get; set; } = new();

    public PushSecretSpec Spec { get; set; } = new();

    public PushSecretStatus? Status { get; set; }
}

/// <summary><c>PushSecret.spec</c>.</summary>
internal sealed class PushSecretSpec
{
    public string? RefreshInterval { get; set; }

    public List<PushSecretStoreRef>? SecretStoreRefs { get; set; }

    public string? UpdatePolicy { get; set; }

    public string? DeletionPolicy { get; set; }

    public PushSecretSelector? Selector { get; set; }

    public List<PushSecretData>? Data { get; set; }

    /// <summary>Bulk mapping (operator v2.3+): not supported here; its presence is reported.</summary>
    public JsonArray? DataTo { get; set; }

    public ExternalSecretTemplate? Template { get; set; }
}

/// <summary>One <c>secretStoreRefs[]</c> entry: a store by name, or every store of the kind matching a label selector.</summary>
internal sealed class PushSecretStoreRef
{
    public string? Name { get; set; }

    public LabelSelector? LabelSelector { get; set; }

    public string? Kind { get; set; }
}

/// <summary><c>spec.selector</c>: exactly one of a Secret or a generator.</summary>
internal sealed class PushSecretSelector
{
    public PushSecretSourceSecret? Secret { get; set; }

    public JsonObject? GeneratorRef { get; set; }
}

/// <summary><c>spec.selector.secret</c>: one Secret by name, or Secrets by label selector.</summary>
internal sealed class PushSecretSourceSecret
{
    public string? Name { get; set; }

    public LabelSelector? Selector { get; set; }
}

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
internal sealed class PushSecretRemoteRef
{
    public string RemoteKey { get; set; } = string.Empty;

    public string? Property { get; set; }
}

/// <summary><c>PushSecret.status</c>.</summary>
internal sealed class PushSecretStatus
{
    public string? RefreshTime { get; set; }

    public string? SyncedResourceVersion { get; set; }

    /// <summary><c>"&lt;Kind&gt;/&lt;store&gt;"</c> → <c>"&lt;remoteKey&gt;[/&lt;property&gt;]"</c> → the entry that was pushed there.</summary>
    public Dictionary<string, Dictionary<string, PushSecretData>>? SyncedPushSecrets { get; set; }

    public List<StatusCondition>? Conditions { get; set; }
}

/// <summary>A PushSecret as read: the typed view for decisions and the raw JSON for writes that must keep every field.</summary>
internal sealed record PushSecretDocument(PushSecret Typed, JsonObject Raw)
{
    public static PushSecretDocument From(JsonObject raw) =>
        new(raw.Deserialize(PushSecretJsonContext.Default.PushSecret) ?? new PushSecret(), raw);
}

/// <summary>A list of stores, for <c>secretStoreRefs[].labelSelector</c>.</summary>
internal sealed class SecretStoreList
{
    public List<JsonObject>? Items { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PushSecret))]
[JsonSerializable(typeof(PushSecretStatus))]
[JsonSerializable(typeof(SecretStoreList))]
internal sealed partial class PushSecretJsonContext : JsonSerializerContext
{
}
