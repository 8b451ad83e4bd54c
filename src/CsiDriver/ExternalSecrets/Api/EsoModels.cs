using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Api;

// The external-secrets.io shapes the reconcilers read (eso.md sections 2, 4, 5). v1 and v1beta1 have the same
// fields for everything read here, so one model serves both. Only what the controller uses is modelled; writes of
// the main resource go through the raw JSON (see ExternalSecretDocument) so no unmodelled field is ever dropped.

/// <summary>The parts of <c>ObjectMeta</c> that decide whether a change matters: all a list or watch reads.</summary>
internal class WatchedMetadata
{
    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? ResourceVersion { get; set; }

    public long? Generation { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<string>? Finalizers { get; set; }

    public string? DeletionTimestamp { get; set; }
}

/// <summary>The parts of <c>ObjectMeta</c> the controller reads or writes.</summary>
internal sealed class EsObjectMeta : WatchedMetadata
{
    public string? Uid { get; set; }

    public List<OwnerReference>? OwnerReferences { get; set; }

    /// <summary>Read only (never sent back): which manager wrote which fields.</summary>
    public List<ManagedFieldsEntry>? ManagedFields { get; set; }
}

/// <summary>A <c>managedFields</c> entry: a field manager and the fields it owns (<c>fieldsV1</c>).</summary>
internal sealed class ManagedFieldsEntry
{
    public string? Manager { get; set; }

    public string? Operation { get; set; }

    public JsonObject? FieldsV1 { get; set; }
}

/// <summary>An <c>ExternalSecret</c> (v1 or v1beta1).</summary>
internal sealed class ExternalSecret
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public EsObjectMeta Metadata { get; set; } = new();

    public ExternalSecretSpec Spec { get; set; } = new();

    public ExternalSecretStatus? Status { get; set; }
}

/// <summary><c>ExternalSecret.spec</c>.</summary>
internal sealed class ExternalSecretSpec
{
    public StoreRef? SecretStoreRef { get; set; }

    public ExternalSecretTarget? Target { get; set; }

    public string? RefreshPolicy { get; set; }

    public string? RefreshInterval { get; set; }

    public List<ExternalSecretData>? Data { get; set; }

    public List<ExternalSecretDataFrom>? DataFrom { get; set; }
}

/// <summary>A <c>secretStoreRef</c> / <c>sourceRef.storeRef</c>.</summary>
internal sealed record StoreRef
{
    public string? Name { get; init; }

    public string? Kind { get; init; }
}

/// <summary><c>spec.target</c>.</summary>
internal sealed class ExternalSecretTarget
{
    public string? Name { get; set; }

    public string? CreationPolicy { get; set; }

    public string? DeletionPolicy { get; set; }

    public ExternalSecretTemplate? Template { get; set; }

    public bool? Immutable { get; set; }
}

/// <summary><c>spec.target.template</c>.</summary>
internal sealed class ExternalSecretTemplate
{
    public string? Type { get; set; }

    public string? EngineVersion { get; set; }

    public TemplateMetadata? Metadata { get; set; }

    public string? MergePolicy { get; set; }

    public Dictionary<string, string>? Data { get; set; }

    public List<TemplateFrom>? TemplateFrom { get; set; }
}

/// <summary><c>template.metadata</c>.</summary>
internal sealed class TemplateMetadata
{
    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<string>? Finalizers { get; set; }
}

/// <summary>One <c>templateFrom[]</c> item.</summary>
internal sealed class TemplateFrom
{
    public TemplateSourceRef? ConfigMap { get; set; }

    public TemplateSourceRef? Secret { get; set; }

    public string? Literal { get; set; }

    public string? Target { get; set; }

    public string? ValuesDecodingStrategy { get; set; }
}

/// <summary>A ConfigMap or Secret holding templates.</summary>
internal sealed class TemplateSourceRef
{
    public string? Name { get; set; }

    public List<TemplateSourceItem>? Items { get; set; }
}

/// <summary>One template key of a <see cref="TemplateSourceRef"/>.</summary>
internal sealed class TemplateSourceItem
{
    public string? Key { get; set; }

    public string? TemplateAs { get; set; }
}

/// <summary>One <c>data[]</c> entry.</summary>
internal sealed class ExternalSecretData
{
    public string? SecretKey { get; set; }

    public RemoteRefSpec? RemoteRef { get; set; }

    public SourceRef? SourceRef { get; set; }
}

/// <summary>A <c>remoteRef</c>, or the body of <c>dataFrom[].extract</c>.</summary>
internal sealed class RemoteRefSpec
{
    public string? Key { get; set; }

    public string? Property { get; set; }

    public string? Version { get; set; }

    public string? ConversionStrategy { get; set; }

    public string? DecodingStrategy { get; set; }

    public string? MetadataPolicy { get; set; }

    public string? NullBytePolicy { get; set; }
}

/// <summary>A per-entry store override (or a generator, which this controller does not run).</summary>
internal sealed class SourceRef
{
    public StoreRef? StoreRef { get; set; }

    public JsonObject? GeneratorRef { get; set; }
}

/// <summary>One <c>dataFrom[]</c> entry.</summary>
internal sealed class ExternalSecretDataFrom
{
    public RemoteRefSpec? Extract { get; set; }

    public ExternalSecretFind? Find { get; set; }

    public List<KeyRewrite>? Rewrite { get; set; }

    public SourceRef? SourceRef { get; set; }
}

/// <summary>One <c>rewrite[]</c> operation.</summary>
internal sealed class KeyRewrite
{
    public RegexpRewrite? Regexp { get; set; }

    public TransformRewrite? Transform { get; set; }

    public JsonObject? Merge { get; set; }
}

/// <summary><c>rewrite[].regexp</c>.</summary>
internal sealed class RegexpRewrite
{
    public string? Source { get; set; }

    public string? Target { get; set; }
}

/// <summary><c>rewrite[].transform</c>.</summary>
internal sealed class TransformRewrite
{
    public string? Template { get; set; }
}

/// <summary><c>ExternalSecret.status</c>.</summary>
internal sealed class ExternalSecretStatus
{
    public string? RefreshTime { get; set; }

    public string? SyncedResourceVersion { get; set; }

    public List<StatusCondition>? Conditions { get; set; }

    public SecretBinding? Binding { get; set; }
}

/// <summary><c>status.binding</c> (servicebinding.io).</summary>
internal sealed record SecretBinding
{
    public string? Name { get; init; }
}

/// <summary>A status condition (<c>Ready</c> is the only one stored).</summary>
internal sealed record StatusCondition
{
    public string Type { get; init; } = string.Empty;

    public string Status { get; init; } = string.Empty;

    public string? Reason { get; init; }

    public string? Message { get; init; }

    public string? LastTransitionTime { get; init; }
}

/// <summary>A <c>SecretStore</c> or <c>ClusterSecretStore</c>.</summary>
internal sealed class SecretStoreResource
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public EsObjectMeta Metadata { get; set; } = new();

    public SecretStoreSpec Spec { get; set; } = new();

    public SecretStoreStatus? Status { get; set; }
}

/// <summary>The store <c>spec</c> both kinds share.</summary>
internal sealed class SecretStoreSpec
{
    public string? Controller { get; set; }

    /// <summary>One key (<c>fake</c>, <c>vault</c>, ...) whose block that store provider parses itself.</summary>
    public JsonObject? Provider { get; set; }

    /// <summary>An integer (seconds) or a Go duration string.</summary>
    public JsonNode? RefreshInterval { get; set; }

    public List<ClusterStoreCondition>? Conditions { get; set; }
}

/// <summary>A ClusterSecretStore <c>conditions[]</c> entry: which namespaces may use it.</summary>
internal sealed class ClusterStoreCondition
{
    public LabelSelector? NamespaceSelector { get; set; }

    public List<string>? Namespaces { get; set; }

    public List<string>? NamespaceRegexes { get; set; }
}

/// <summary>A <c>metav1.LabelSelector</c>.</summary>
internal sealed class LabelSelector
{
    public Dictionary<string, string>? MatchLabels { get; set; }

    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

/// <summary>One <c>matchExpressions</c> entry.</summary>
internal sealed class LabelSelectorRequirement
{
    public string? Key { get; set; }

    public string? Operator { get; set; }

    public List<string>? Values { get; set; }
}

/// <summary>The store <c>status</c>.</summary>
internal sealed class SecretStoreStatus
{
    public List<StatusCondition>? Conditions { get; set; }

    public string? Capabilities { get; set; }
}

/// <summary>A core/v1 Secret with the metadata the controller manages. <see cref="ToString"/> never shows the data.</summary>
internal sealed class ManagedSecret
{
    public string? ApiVersion { get; set; } = "v1";

    public string? Kind { get; set; } = "Secret";

    public EsObjectMeta Metadata { get; set; } = new();

    public string? Type { get; set; }

    public bool? Immutable { get; set; }

    /// <summary>Values; base64 on the wire, decoded by the serializer.</summary>
    public Dictionary<string, byte[]>? Data { get; set; }

    public override string ToString() => $"Secret {Metadata.Namespace}/{Metadata.Name} ({Data?.Count ?? 0} keys)";
}

/// <summary>A list of Secrets.</summary>
internal sealed class ManagedSecretList
{
    public List<ManagedSecret>? Items { get; set; }
}

/// <summary>A core/v1 Namespace (its labels decide ClusterSecretStore conditions).</summary>
internal sealed class NamespaceResource
{
    public EsObjectMeta Metadata { get; set; } = new();
}

/// <summary>An object as read: the typed view for decisions and the raw JSON for writes that must keep every field.</summary>
internal sealed record ExternalSecretDocument(ExternalSecret Typed, JsonObject Raw)
{
    public static ExternalSecretDocument From(JsonObject raw) =>
        new(raw.Deserialize(EsoJsonContext.Default.ExternalSecret) ?? new ExternalSecret(), raw);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExternalSecret))]
[JsonSerializable(typeof(ExternalSecretStatus))]
[JsonSerializable(typeof(SecretStoreResource))]
[JsonSerializable(typeof(SecretStoreStatus))]
[JsonSerializable(typeof(ManagedSecret))]
[JsonSerializable(typeof(ManagedSecretList))]
[JsonSerializable(typeof(NamespaceResource))]
[JsonSerializable(typeof(KubeConfigMap))]
[JsonSerializable(typeof(KubeEvent))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class EsoJsonContext : JsonSerializerContext
{
}
