using CsiDriver.ExternalSecrets.Api;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Templating;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>What rendering produced for the target Secret (before the controller's own labels and annotations).</summary>
internal sealed record RenderedSecret(
    Dictionary<string, byte[]> Data,
    string? Type,
    Dictionary<string, string> Labels,
    Dictionary<string, string> Annotations,
    IReadOnlyList<string> Finalizers);

/// <summary>
/// Builds the target Secret's content from the provider data (eso.md 3.6): with no template the provider data and the
/// ExternalSecret's own labels and annotations; with <c>target.template</c> the type, metadata, <c>templateFrom[]</c>
/// (literal, ConfigMap, Secret; Values or KeysAndValues) and <c>data</c>, rendered with our Go-template engine.
/// Refuses the Secret types a template must never produce (eso.md 10 item 16).
/// </summary>
internal sealed class SecretRenderer(TemplateEngine engine, ExternalSecretsKubeApi api)
{
    public const string ServiceAccountTokenType = "kubernetes.io/service-account-token";
    public const string ServiceAccountNameAnnotation = "kubernetes.io/service-account.name";
    public const string BootstrapTokenType = "bootstrap.kubernetes.io/token";

    /// <param name="es">The ExternalSecret.</param>
    /// <param name="providerData">The fetched data after every strategy.</param>
    /// <param name="baseData">Keys kept from the existing Secret (Merge), or empty.</param>
    public async Task<RenderedSecret> RenderAsync(ExternalSecret es, IReadOnlyDictionary<string, byte[]> providerData, IReadOnlyDictionary<string, byte[]> baseData, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, byte[]>(baseData, StringComparer.Ordinal);
        var template = es.Spec.Target?.Template;
        if (template is null)
        {
            foreach (var (key, value) in providerData)
            {
                data[key] = value;
            }

            return new RenderedSecret(
                data,
                null,
                new Dictionary<string, string>(es.Metadata.Labels ?? [], StringComparer.Ordinal),
                new Dictionary<string, string>(es.Metadata.Annotations ?? [], StringComparer.Ordinal),
                []);
        }

        if (template.EngineVersion is { Length: > 0 } version && version != "v2")
        {
            throw new SyncException($"template engineVersion {version} is not supported (only v2)") { ReadyMessage = "could not update secret" };
        }

        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? [], StringComparer.Ordinal);
        var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? [], StringComparer.Ordinal);
        var values = providerData.ToDictionary(p => p.Key, p => (ReadOnlyMemory<byte>)p.Value, StringComparer.Ordinal);
        var templateFrom = template.TemplateFrom ?? [];
        if (template.MergePolicy == "Merge" || ((template.Data is null || template.Data.Count == 0) && templateFrom.Count == 0))
        {
            foreach (var (key, value) in providerData)
            {
                data[key] = value;
            }
        }

        for (var i = 0; i < templateFrom.Count; i++)
        {
            await ApplyTemplateFromAsync(es, templateFrom[i], i, values, data, labels, annotations, template.Type, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (key, text) in template.Data ?? [])
        {
            data[key] = Render($"spec.target.template.data.{key}", text, values);
        }

        foreach (var key in labels.Keys.ToList())
        {
            labels[key] = Encoding.UTF8.GetString(Render($"spec.target.template.metadata.labels.{key}", labels[key], values));
        }

        foreach (var key in annotations.Keys.ToList())
        {
            annotations[key] = Encoding.UTF8.GetString(Render($"spec.target.template.metadata.annotations.{key}", annotations[key], values));
        }

        CheckType(template.Type, annotations);
        return new RenderedSecret(data, string.IsNullOrEmpty(template.Type) ? null : template.Type, labels, annotations, template.Metadata?.Finalizers ?? []);
    }

    private static void CheckType(string? type, IReadOnlyDictionary<string, string> annotations)
    {
        if (type == BootstrapTokenType)
        {
            throw new SyncException($"template type {BootstrapTokenType} is not allowed") { ReadyMessage = "could not update secret", Retry = false };
        }

        if (type == ServiceAccountTokenType && annotations.ContainsKey(ServiceAccountNameAnnotation))
        {
            throw new SyncException($"template type {ServiceAccountTokenType} with annotation {ServiceAccountNameAnnotation} is not allowed") { ReadyMessage = "could not update secret", Retry = false };
        }
    }

    private async Task ApplyTemplateFromAsync(
        ExternalSecret es,
        TemplateFrom source,
        int index,
        IReadOnlyDictionary<string, ReadOnlyMemory<byte>> values,
        Dictionary<string, byte[]> data,
        Dictionary<string, string> labels,
        Dictionary<string, string> annotations,
        string? type,
        CancellationToken cancellationToken)
    {
        var target = (source.Target ?? string.Empty).ToUpperInvariant() switch
        {
            "" or "DATA" => "Data",
            "ANNOTATIONS" => "Annotations",
            "LABELS" => "Labels",
            _ => throw new SyncException($"templateFrom[{index}].target \"{source.Target}\" is not allowed (Data, Annotations or Labels)") { ReadyMessage = "could not update secret", Retry = false },
        };
        if (target == "Annotations" && type == ServiceAccountTokenType)
        {
            throw new SyncException($"templateFrom[{index}] may not target Annotations of a {ServiceAccountTokenType} Secret") { ReadyMessage = "could not update secret", Retry = false };
        }

        var name = $"spec.target.template.templateFrom[{index}]";
        if (source.Literal is { } literal)
        {
            Store(ParseMap(name, Render(name, literal, values)), target, source.ValuesDecodingStrategy, data, labels, annotations);
            return;
        }

        var (kind, reference) = source.ConfigMap is not null ? ("ConfigMap", source.ConfigMap) : source.Secret is not null ? ("Secret", source.Secret) : (null, null);
        if (reference is null || kind is null)
        {
            throw new SyncException($"{name} needs one of literal, configMap or secret") { ReadyMessage = "could not update secret", Retry = false };
        }

        var texts = await ReadTemplatesAsync(es.Metadata.Namespace ?? string.Empty, kind, reference.Name ?? string.Empty, cancellationToken).ConfigureAwait(false);
        foreach (var item in reference.Items ?? [])
        {
            var key = item.Key ?? string.Empty;
            if (!texts.TryGetValue(key, out var text))
            {
                throw new SyncException($"{name}: key \"{key}\" does not exist in {kind} \"{reference.Name}\"") { ReadyMessage = "could not update secret" };
            }

            var itemName = $"{name}.{kind}.{key}";
            var rendered = Render(itemName, text, values);
            var output = item.TemplateAs == "KeysAndValues"
                ? ParseMap(itemName, rendered)
                : new Dictionary<string, byte[]>(StringComparer.Ordinal) { [key] = rendered };
            Store(output, target, source.ValuesDecodingStrategy, data, labels, annotations);
        }
    }

    private async Task<Dictionary<string, string>> ReadTemplatesAsync(string @namespace, string kind, string name, CancellationToken cancellationToken)
    {
        if (kind == "ConfigMap")
        {
            var configMap = await api.GetConfigMapAsync(@namespace, name, cancellationToken).ConfigureAwait(false)
                ?? throw new SyncException($"template ConfigMap \"{name}\" not found") { ReadyMessage = "could not update secret" };
            return new Dictionary<string, string>(configMap.Data ?? [], StringComparer.Ordinal);
        }

        var secret = await api.GetSecretAsync(@namespace, name, cancellationToken).ConfigureAwait(false)
            ?? throw new SyncException($"template Secret \"{name}\" not found") { ReadyMessage = "could not update secret" };
        return (secret.Data ?? []).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value), StringComparer.Ordinal);
    }

    private static void Store(
        Dictionary<string, byte[]> output,
        string target,
        string? decoding,
        Dictionary<string, byte[]> data,
        Dictionary<string, string> labels,
        Dictionary<string, string> annotations)
    {
        foreach (var (key, raw) in output)
        {
            var value = KeyStrategies.Decode(raw, decoding, key);
            switch (target)
            {
                case "Data":
                    data[key] = value;
                    break;
                case "Labels":
                    labels[key] = Encoding.UTF8.GetString(value);
                    break;
                default:
                    annotations[key] = Encoding.UTF8.GetString(value);
                    break;
            }
        }
    }

    private byte[] Render(string name, string text, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> values)
    {
        try
        {
            return engine.Render(name, text, values);
        }
        catch (TemplateException ex)
        {
            // The engine's message names the template, the position and the cause, never a value.
            throw new SyncException($"could not render template: {ex.Message}") { ReadyMessage = "could not update secret" };
        }
    }

    /// <summary>A KeysAndValues output: a YAML map whose keys and values both come from the template.</summary>
    private static Dictionary<string, byte[]> ParseMap(string name, byte[] rendered)
    {
        JsonNode? tree;
        try
        {
            tree = Spec.YamlDocuments.Read(new StringReader(Encoding.UTF8.GetString(rendered)), Spec.YamlScalars.Yaml11).FirstOrDefault();
        }
        catch (YamlDotNet.Core.YamlException)
        {
            throw new SyncException($"{name}: the rendered template is not a YAML map") { ReadyMessage = "could not update secret" };
        }

        if (tree is null)
        {
            return new Dictionary<string, byte[]>(StringComparer.Ordinal);
        }

        if (tree is not JsonObject map)
        {
            throw new SyncException($"{name}: the rendered template is not a YAML map") { ReadyMessage = "could not update secret" };
        }

        return map.ToDictionary(
            p => p.Key,
            p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? Encoding.UTF8.GetBytes(s) : Encoding.UTF8.GetBytes(p.Value?.ToJsonString() ?? string.Empty),
            StringComparer.Ordinal);
    }
}
