using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Kubernetes;

/// <summary>
/// Objects read from Secrets and ConfigMaps in the POD's namespace, with the POD's service-account token
/// (audience from parameter <c>audience</c>, default <c>""</c>: the API server's own), so the pod's RBAC, not
/// the driver's, decides what it may read. Parameters: <c>objects</c>, a YAML list of
/// <c>{objectName: NAME or NAME/KEY, objectType: secret|configmap (default secret), objectAlias?, filePermission?}</c>.
/// A keyed object is one file (alias, else <c>NAME/KEY</c>); a whole object is one file per key under the
/// alias (else NAME). Version = the object's resourceVersion.
/// In a rotation pass, an object read by several pods of the same namespace, service account and audience
/// is read once (<see cref="IFetchScope"/>): they hold the same RBAC rights, so one read stands for all.
/// Backend calls are counted as <c>get_secret</c> / <c>get_configmap</c>.
/// </summary>
internal sealed class KubernetesProvider(KubernetesClient client, Observability.DriverMetrics metrics) : IProvider
{
    public const string AudienceParameter = "audience";

    public string Name => "kubernetes";

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var objects = ProviderParameters.ParseList(request, "objects", ObjectEntryJsonContext.Default.ListObjectEntry);
        var references = objects.Select(o => Parse(request, o)).ToList();
        var audience = request.Attributes.GetValueOrDefault(AudienceParameter) ?? string.Empty;
        var token = PodToken(request, audience);
        var asPod = client.AsPod(token);
        var identity = Identity(request, audience, token);

        // One read per object named, however many keys of it are used; distinct objects are read together.
        var firstReference = references.DistinctBy(r => (r.TypeName, r.Name)).ToDictionary(r => (r.TypeName, r.Name));
        var fetched = await ParallelReads.ReadAllAsync(
            references.Select(r => (r.TypeName, r.Name)),
            (key, ct) => FetchSharedAsync(asPod, request, firstReference[key], audience, identity, ct),
            cancellationToken).ConfigureAwait(false);
        var files = new List<SecretFile>();
        var versions = new List<ObjectVersion>();
        foreach (var reference in references)
        {
            var source = fetched.Get((reference.TypeName, reference.Name));

            if (reference.Key is { } key)
            {
                if (!source.Data.TryGetValue(key, out var value))
                {
                    throw new SecretStoreException(
                        FailureKind.NotFound,
                        $"SecretProviderClass {request.Class.Description}: {reference.TypeName} \"{reference.Name}\" in namespace {request.Pod.Namespace} has no key \"{key}\" (keys: {string.Join(", ", source.Data.Keys.Order(StringComparer.Ordinal))})");
                }

                files.Add(new SecretFile(reference.Alias ?? $"{reference.Name}/{key}", value, reference.Mode));
            }
            else
            {
                var folder = reference.Alias ?? reference.Name;
                foreach (var (dataKey, value) in source.Data.OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    files.Add(new SecretFile($"{folder}/{dataKey}", value, reference.Mode));
                }
            }

            versions.Add(new ObjectVersion(reference.Id, source.ResourceVersion));
        }

        return new ProviderResult(files, versions);
    }

    private static string PodToken(ProviderRequest request, string audience)
    {
        if (request.Pod.Tokens.TryGet(audience, out var token))
        {
            return token.Token;
        }

        var shown = audience.Length == 0 ? "\"\" (the API server's default audience)" : $"\"{audience}\"";
        var available = string.Join(", ", request.Pod.Tokens.Audiences.Select(a => $"\"{a}\""));
        throw ProviderParameters.Invalid(
            request.Class.Description,
            $"the kubernetes provider reads as the pod, but kubelet passed no service-account token for audience {shown} " +
            $"(tokens for: [{available}]); add `tokenRequests: [{{audience: \"{audience}\"}}]` to the CSIDriver object or set parameter '{AudienceParameter}' to one of those");
    }

    /// <summary>Who reads: what the API server authorises (namespace, service account, audience), never the token.</summary>
    private static string Identity(ProviderRequest request, string audience, string token) =>
        string.IsNullOrEmpty(request.Pod.ServiceAccountName)
            ? $"{request.Pod.Namespace}/token:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16]}"
            : $"{request.Pod.Namespace}/{request.Pod.ServiceAccountName}/{audience}";

    private async Task<Fetched> FetchSharedAsync(KubernetesClient asPod, ProviderRequest request, ObjectReference reference, string audience, string identity, CancellationToken cancellationToken)
    {
        var ns = request.Pod.Namespace;
        try
        {
            // Only the raw read is shared; errors become messages naming each volume's own class below.
            return request.FetchScope is { } scope
                ? await scope.GetOrAddAsync(new FetchKey(Name, identity, $"{reference.TypeName}/{reference.Name}"), ct => ReadAsync(asPod, ns, reference, ct)).ConfigureAwait(false)
                : await ReadAsync(asPod, ns, reference, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            throw Failure(ex, request, reference, audience);
        }
    }

    private async Task<Fetched> ReadAsync(KubernetesClient asPod, string ns, ObjectReference reference, CancellationToken cancellationToken)
    {
        metrics.BackendCall(Name, "get_" + reference.TypeName);
        if (reference.TypeName == "secret")
        {
            var secret = await asPod.GetSecretAsync(ns, reference.Name, cancellationToken).ConfigureAwait(false);
            return new Fetched(
                secret.Metadata?.ResourceVersion ?? string.Empty,
                (secret.Data ?? []).ToDictionary(d => d.Key, d => (ReadOnlyMemory<byte>)(d.Value ?? []), StringComparer.Ordinal));
        }

        var map = await asPod.GetConfigMapAsync(ns, reference.Name, cancellationToken).ConfigureAwait(false);
        var data = (map.Data ?? []).ToDictionary(d => d.Key, d => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(d.Value ?? string.Empty), StringComparer.Ordinal);
        foreach (var (key, value) in map.BinaryData ?? [])
        {
            data[key] = value ?? [];
        }

        return new Fetched(map.Metadata?.ResourceVersion ?? string.Empty, data);
    }

    private static SecretStoreException Failure(KubernetesApiException ex, ProviderRequest request, ObjectReference reference, string audience)
    {
        var ns = request.Pod.Namespace;
        var what = $"{reference.TypeName} \"{reference.Name}\" in namespace {ns}";
        var account = string.IsNullOrEmpty(request.Pod.ServiceAccountName) ? "the pod's service account" : $"service account {ns}/{request.Pod.ServiceAccountName}";
        var message = ex.Kind switch
        {
            KubernetesErrorKind.NotFound => $"{what} not found",
            KubernetesErrorKind.Forbidden => $"{account} may not get {what} ({KubernetesFailures.Cause(ex)}); grant it with a Role allowing get on {reference.Resource}",
            KubernetesErrorKind.Unauthorized => $"the API server rejected the pod's token for audience \"{audience}\" reading {what}; the audience must be one the API server accepts",
            _ => $"cannot read {what}: {KubernetesFailures.Cause(ex)}",
        };
        return new SecretStoreException(KubernetesFailures.KindFor(ex), $"SecretProviderClass {request.Class.Description}: {message}", ex);
    }

    private static ObjectReference Parse(ProviderRequest request, ObjectEntry item)
    {
        var objectName = item.ObjectName?.Trim() ?? string.Empty;
        var typeName = (item.ObjectType?.Trim().ToLowerInvariant() ?? string.Empty) switch
        {
            "" or "secret" => "secret",
            "configmap" => "configmap",
            _ => throw ProviderParameters.Invalid(request.Class.Description, $"object \"{objectName}\" has objectType '{item.ObjectType}'; use secret or configmap"),
        };

        var slash = objectName.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? objectName : objectName[..slash];
        var key = slash < 0 ? null : objectName[(slash + 1)..];
        if (!KubernetesNames.IsValid(name) || (key is not null && !IsDataKey(key)))
        {
            throw ProviderParameters.Invalid(
                request.Class.Description,
                $"objectName \"{objectName}\" must be NAME or NAME/KEY (a Kubernetes object name, and a key of letters, digits, '-', '_' and '.')");
        }

        var alias = string.IsNullOrWhiteSpace(item.ObjectAlias) ? null : item.ObjectAlias.Trim();
        var mode = ProviderParameters.ParseFileMode(item.FilePermission, request, objectName);
        return new ObjectReference(typeName, name, key, alias, mode);
    }

    private static bool IsDataKey(string key) =>
        key.Length is > 0 and <= 253 && key is not ("." or "..") && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <param name="TypeName"><c>secret</c> or <c>configmap</c>, as messages, backend calls and object ids name it.</param>
    private sealed record ObjectReference(string TypeName, string Name, string? Key, string? Alias, UnixFileMode? Mode)
    {
        public string Resource => TypeName + "s";

        public string Id => Key is null ? $"{TypeName}/{Name}" : $"{TypeName}/{Name}/{Key}";
    }

    private sealed record Fetched(string ResourceVersion, Dictionary<string, ReadOnlyMemory<byte>> Data);
}
