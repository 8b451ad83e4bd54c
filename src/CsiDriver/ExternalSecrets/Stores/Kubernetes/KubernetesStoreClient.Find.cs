using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Kubernetes;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Kubernetes;

/// <summary>
/// <c>dataFrom[].find</c> on a kubernetes store, as the operator's kubernetes provider: the Secrets of
/// <c>remoteNamespace</c> whose labels carry every tag (a server-side label selector) and whose names match the regexp;
/// each becomes one key (the Secret's name) holding the JSON object of its data. <c>find.path</c> has no meaning here.
/// The call is <c>GET /api/v1/namespaces/{remoteNamespace}/secrets?labelSelector=…</c>: the store's identity needs
/// <c>list secrets</c> there. Counts as backend call <c>list_secrets</c>.
/// </summary>
internal sealed partial class KubernetesStoreClient
{
    public async Task<IReadOnlyDictionary<string, byte[]>> FindAsync(FindQuery query, CancellationToken cancellationToken)
    {
        if (query.Path is not null)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: find.path is not supported by the kubernetes store (use name.regexp or tags)");
        }

        var matcher = FindMatcher.Create(query, store.ToString());
        var selector = LabelSelector(query.Tags);
        var path = $"/api/v1/namespaces/{config.RemoteNamespace}/secrets" + (selector.Length == 0 ? string.Empty : "?labelSelector=" + Uri.EscapeDataString(selector));
        var call = $"list secrets {config.RemoteNamespace}";
        metrics?.BackendCall("kubernetes", "list_secrets");
        ManagedSecretList list;
        try
        {
            list = await transport.SendAsync(new KubernetesRequest(HttpMethod.Get, path, call), credentials, EsoJsonContext.Default.ManagedSecretList, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            var message = ex.Kind == KubernetesErrorKind.Forbidden
                ? $"{principal} may not list Secrets in namespace {config.RemoteNamespace} ({KubernetesFailures.Cause(ex)}); grant it list on secrets there"
                : $"cannot list Secrets in namespace {config.RemoteNamespace} at {transport.Server}: {KubernetesFailures.Cause(ex)}";
            throw new SecretStoreException(KubernetesFailures.KindFor(ex), $"{store}: {message}", ex);
        }

        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var secret in list.Items ?? [])
        {
            if (secret.Metadata.Name is not { Length: > 0 } name || !matcher.MatchesName(name) || !matcher.MatchesTags(secret.Metadata.Labels))
            {
                continue;
            }

            matcher.Add(result, name, Json(writer =>
            {
                foreach (var (key, value) in (secret.Data ?? []).OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, Encoding.UTF8.GetString(value ?? []));
                }
            }));
        }

        return result;
    }

    private string LabelSelector(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is not { Count: > 0 })
        {
            return string.Empty;
        }

        foreach (var (key, value) in tags)
        {
            if (key.Length == 0 || key.IndexOfAny([',', '=', '!', ' ', '(', ')']) >= 0 || value.IndexOfAny([',', '=', '!', ' ', '(', ')']) >= 0)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: find.tags \"{key}\" is not a valid label selector term");
            }
        }

        return string.Join(',', tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
    }
}
