using System.Text.Encodings.Web;
using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Kubernetes;

/// <summary>
/// Reads Secrets in a kubernetes store's <c>remoteNamespace</c> with the store's credentials (not the controller's):
/// <c>key</c> is the Secret's name; no <c>property</c> gives a JSON object of every data key (values as strings), a
/// <c>property</c> gives that data key; <c>metadataPolicy: Fetch</c> gives the labels and annotations instead.
/// The API call is <c>GET /api/v1/namespaces/{remoteNamespace}/secrets/{key}</c>; whoever the store authenticates as
/// needs <c>get secrets</c> there (the controller's own RBAC does not apply). Each read counts as backend call
/// <c>get_secret</c> of provider <c>kubernetes</c>.
/// </summary>
internal sealed partial class KubernetesStoreClient(StoreContext store, KubernetesStoreConfig config, KubernetesTransport transport, IBearerTokenSource credentials, string principal, string tlsIdentity, Observability.DriverMetrics metrics) : IStoreClient
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Identity { get; } = $"kubernetes {transport.Server} remote namespace {config.RemoteNamespace} as {principal}; tls {tlsIdentity}";

    public async Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        var secret = await ReadAsync(remoteRef, cancellationToken).ConfigureAwait(false);
        if (remoteRef.FetchMetadata)
        {
            return Metadata(secret, remoteRef);
        }

        var data = secret.Data ?? [];
        if (remoteRef.Property is not { Length: > 0 } property)
        {
            return Json(writer =>
            {
                foreach (var (key, value) in data.OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, Encoding.UTF8.GetString(value ?? []));
                }
            });
        }

        return data.TryGetValue(property, out var found)
            ? found ?? []
            : throw new SecretStoreException(FailureKind.NotFound, $"{store}: Secret \"{remoteRef.Key}\" in namespace {config.RemoteNamespace} has no key \"{property}\"");
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        if (!remoteRef.FetchMetadata && remoteRef.Property is not { Length: > 0 })
        {
            // Binary values stay as they are: no detour through JSON strings.
            var secret = await ReadAsync(remoteRef, cancellationToken).ConfigureAwait(false);
            return (secret.Data ?? []).ToDictionary(d => d.Key, d => d.Value ?? [], StringComparer.Ordinal);
        }

        var value = await GetSecretAsync(remoteRef, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => GjsonPath.ToBytes(p.Value), StringComparer.Ordinal);
            }
        }
        catch (JsonException)
        {
        }

        throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: {remoteRef} of Secret \"{remoteRef.Key}\" is not a JSON object, so it cannot be split into keys");
    }

    public override string ToString() => Identity;

    private async Task<KubeSecret> ReadAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
    {
        var call = $"get secrets {config.RemoteNamespace}/{remoteRef.Key}";
        if (!KubernetesNames.IsValid(remoteRef.Key))
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: key \"{remoteRef.Key}\" is not a Secret name");
        }

        metrics?.BackendCall("kubernetes", "get_secret");
        try
        {
            return await transport.SendAsync(
                new KubernetesRequest(HttpMethod.Get, $"/api/v1/namespaces/{config.RemoteNamespace}/secrets/{remoteRef.Key}", call),
                credentials,
                KubernetesJsonContext.Default.KubeSecret,
                cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            var what = $"Secret \"{remoteRef.Key}\" in namespace {config.RemoteNamespace}";
            var message = ex.Kind switch
            {
                KubernetesErrorKind.NotFound => $"{what} not found",
                KubernetesErrorKind.Forbidden => $"{principal} may not get {what} ({KubernetesFailures.Cause(ex)}); grant it get on secrets there",
                KubernetesErrorKind.Unauthorized => $"the API server at {transport.Server} rejected the credentials of {principal} reading {what}",
                _ => $"cannot read {what} from {transport.Server}: {KubernetesFailures.Cause(ex)}",
            };
            throw new SecretStoreException(KubernetesFailures.KindFor(ex), $"{store}: {message}", ex);
        }
    }

    /// <summary>
    /// Labels and annotations: no property gives both (<c>{"labels":…,"annotations":…}</c>); <c>labels</c> or
    /// <c>annotations</c> gives that map; <c>labels.NAME</c> (or <c>annotations.NAME</c>) gives one value.
    /// </summary>
    private byte[] Metadata(KubeSecret secret, RemoteRef remoteRef)
    {
        var labels = secret.Metadata?.Labels ?? [];
        var annotations = secret.Metadata?.Annotations ?? [];
        if (remoteRef.Property is not { Length: > 0 } property)
        {
            return Json(writer =>
            {
                WriteMap(writer, "labels", labels);
                WriteMap(writer, "annotations", annotations);
            });
        }

        var dot = property.IndexOf('.', StringComparison.Ordinal);
        var section = dot < 0 ? property : property[..dot];
        var map = section switch
        {
            "labels" => labels,
            "annotations" => annotations,
            _ => throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: with metadataPolicy Fetch, property must be labels, annotations, labels.NAME or annotations.NAME, not \"{property}\""),
        };

        if (dot < 0)
        {
            return Json(writer =>
            {
                foreach (var (key, value) in map.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }
            });
        }

        return map.TryGetValue(property[(dot + 1)..], out var found)
            ? Encoding.UTF8.GetBytes(found)
            : throw new SecretStoreException(FailureKind.NotFound, $"{store}: Secret \"{remoteRef.Key}\" in namespace {config.RemoteNamespace} has no {section[..^1]} \"{property[(dot + 1)..]}\"");
    }

    private static void WriteMap(Utf8JsonWriter writer, string name, Dictionary<string, string> map)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in map.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
