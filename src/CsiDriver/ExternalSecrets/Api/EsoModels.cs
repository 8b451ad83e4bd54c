using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Api;

// The external-secrets.io shapes the reconcilers read (eso.md sections 2, 4, 5). v1 and v1beta1 have the same
// fields for everything read here, so one model serves both. Only what the controller uses is modelled; writes of
// the main resource go through the raw JSON (see ExternalSecretDocument) so no unmodelled field is ever dropped.

/// <summary>
/// A namespaced or cluster-scoped external-secrets.io resource as the reconcilers read it; its <c>spec</c> is never
/// null (an object without one reads as the empty spec).
/// </summary>
internal abstract class EsResource<TSpec, TStatus>(TSpec emptySpec)
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public EsObjectMeta Metadata { get; set; } = new();

    public TSpec Spec { get; set; } = emptySpec;

    public TStatus? Status { get; set; }
}

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
internal sealed record ManagedFieldsEntry(string? Manager = null, string? Operation = null, JsonObject? FieldsV1 = null);

/// <summary>An <c>ExternalSecret</c> (v1 or v1beta1).</summary>
internal sealed class ExternalSecret() : EsResource<ExternalSecretSpec, ExternalSecretStatus>(new());

/// <summary><c>ExternalSecret.spec</c>.</summary>
internal sealed record ExternalSecretSpec(
    StoreRef? SecretStoreRef = null, ExternalSecretTarget? Target = null, string? RefreshPolicy = null, string? RefreshInterval = null,
    List<ExternalSecretData>? Data = null, List<ExternalSecretDataFrom>? DataFrom = null);

/// <summary>A <c>secretStoreRef</c> / <c>sourceRef.storeRef</c>.</summary>
internal sealed record StoreRef(string? Name = null, string? Kind = null);

/// <summary><c>spec.target</c>.</summary>
internal sealed record ExternalSecretTarget(
    string? Name = null, string? CreationPolicy = null, string? DeletionPolicy = null, ExternalSecretTemplate? Template = null,
    bool? Immutable = null);

/// <summary><c>spec.target.template</c>.</summary>
internal sealed record ExternalSecretTemplate(
    string? Type = null, string? EngineVersion = null, TemplateMetadata? Metadata = null, string? MergePolicy = null,
    Dictionary<string, string>? Data = null, List<TemplateFrom>? TemplateFrom = null);

/// <summary><c>template.metadata</c>.</summary>
internal sealed record TemplateMetadata(
    Dictionary<string, string>? Labels = null, Dictionary<string, string>? Annotations = null, List<string>? Finalizers = null);

/// <summary>One <c>templateFrom[]</c> item.</summary>
internal sealed record TemplateFrom(
    TemplateSourceRef? ConfigMap = null, TemplateSourceRef? Secret = null, string? Literal = null, string? Target = null,
    string? ValuesDecodingStrategy = null);

/// <summary>A ConfigMap or Secret holding templates.</summary>
internal sealed record TemplateSourceRef(string? Name = null, List<TemplateSourceItem>? Items = null);

/// <summary>One template key of a <see cref="TemplateSourceRef"/>.</summary>
internal sealed record TemplateSourceItem(string? Key = null, string? TemplateAs = null);

/// <summary>One <c>data[]</c> entry.</summary>
internal sealed record ExternalSecretData(string? SecretKey = null, RemoteRefSpec? RemoteRef = null, SourceRef? SourceRef = null);

/// <summary>A <c>remoteRef</c>, or the body of <c>dataFrom[].extract</c>.</summary>
internal sealed record RemoteRefSpec(
    string? Key = null, string? Property = null, string? Version = null, string? ConversionStrategy = null, string? DecodingStrategy = null,
    string? MetadataPolicy = null, string? NullBytePolicy = null);

/// <summary>A per-entry store override (or a generator, which this controller does not run).</summary>
internal sealed record SourceRef(StoreRef? StoreRef = null, JsonObject? GeneratorRef = null);

/// <summary>One <c>dataFrom[]</c> entry.</summary>
internal sealed record ExternalSecretDataFrom(
    RemoteRefSpec? Extract = null, ExternalSecretFind? Find = null, List<KeyRewrite>? Rewrite = null, SourceRef? SourceRef = null);

/// <summary>One <c>rewrite[]</c> operation.</summary>
internal sealed record KeyRewrite(RegexpRewrite? Regexp = null, TransformRewrite? Transform = null, JsonObject? Merge = null);

/// <summary><c>rewrite[].regexp</c>.</summary>
internal sealed record RegexpRewrite(string? Source = null, string? Target = null);

/// <summary><c>rewrite[].transform</c>.</summary>
internal sealed record TransformRewrite(string? Template = null);

/// <summary><c>ExternalSecret.status</c>.</summary>
internal sealed record ExternalSecretStatus(
    string? RefreshTime = null, string? SyncedResourceVersion = null, List<StatusCondition>? Conditions = null, SecretBinding? Binding = null);

/// <summary><c>status.binding</c> (servicebinding.io).</summary>
internal sealed record SecretBinding(string? Name = null);

/// <summary>A status condition (<c>Ready</c> is the only one stored).</summary>
internal sealed record StatusCondition(
    string Type = "", string Status = "", string? Reason = null, string? Message = null, string? LastTransitionTime = null);

/// <summary>A <c>SecretStore</c> or <c>ClusterSecretStore</c>.</summary>
internal sealed class SecretStoreResource() : EsResource<SecretStoreSpec, SecretStoreStatus>(new());

/// <summary>The store <c>spec</c> both kinds share.</summary>
/// <param name="Provider">One key (<c>fake</c>, <c>vault</c>, ...) whose block that store provider parses itself.</param>
/// <param name="RefreshInterval">An integer (seconds) or a Go duration string.</param>
internal sealed record SecretStoreSpec(
    string? Controller = null, JsonObject? Provider = null, JsonNode? RefreshInterval = null, List<ClusterStoreCondition>? Conditions = null);

/// <summary>A ClusterSecretStore <c>conditions[]</c> entry: which namespaces may use it.</summary>
internal sealed record ClusterStoreCondition(
    LabelSelector? NamespaceSelector = null, List<string>? Namespaces = null, List<string>? NamespaceRegexes = null);

/// <summary>A <c>metav1.LabelSelector</c>.</summary>
internal sealed record LabelSelector(Dictionary<string, string>? MatchLabels = null, List<LabelSelectorRequirement>? MatchExpressions = null);

/// <summary>One <c>matchExpressions</c> entry.</summary>
internal sealed record LabelSelectorRequirement(string? Key = null, string? Operator = null, List<string>? Values = null);

/// <summary>The store <c>status</c>.</summary>
internal sealed record SecretStoreStatus(List<StatusCondition>? Conditions = null, string? Capabilities = null);

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
internal sealed record ManagedSecretList(List<ManagedSecret>? Items = null);

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
