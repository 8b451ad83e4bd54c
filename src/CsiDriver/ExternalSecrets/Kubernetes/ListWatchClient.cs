using System.Runtime.CompilerServices;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>A list response: its items and the collection's resourceVersion to watch from.</summary>
internal sealed record ObjectList(IReadOnlyList<WatchedObject> Items, string ResourceVersion);

/// <summary>One watch event: <c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>, <c>BOOKMARK</c> or <c>ERROR</c> (then the object is a <c>Status</c>).</summary>
internal sealed record WatchEvent(string Type, WatchedObject Object);

/// <summary>
/// Paged list and streamed watch of one collection over our transport. The watch is a long-lived GET whose
/// body is one JSON event per line; the server ends it after <c>timeoutSeconds</c>.
/// </summary>
internal sealed class ListWatchClient(KubernetesTransport transport, IBearerTokenSource credentials)
{
    private const int PageSize = 500;

    public async Task<ObjectList> ListAsync(WatchedResource resource, CancellationToken cancellationToken)
    {
        var call = $"list {resource}";
        var items = new List<WatchedObject>();
        string? next = null;
        string resourceVersion;
        do
        {
            var query = Query(
                ("limit", PageSize.ToString(CultureInfo.InvariantCulture)),
                ("continue", next),
                ("labelSelector", resource.LabelSelector));
            var list = await transport.SendAsync(new KubernetesRequest(HttpMethod.Get, resource.CollectionPath + query, call), credentials, WatchJsonContext.Default.WatchedList, cancellationToken).ConfigureAwait(false);
            resourceVersion = list.Metadata?.ResourceVersion ?? string.Empty;
            next = list.Metadata?.Continue is { Length: > 0 } token ? token : null;
            items.AddRange(list.Items ?? []);
        }
        while (next is not null);

        return new ObjectList(items, resourceVersion);
    }

    /// <summary>Streams events after <paramref name="resourceVersion"/> until the server ends the watch or the stream breaks.</summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(WatchedResource resource, string resourceVersion, TimeSpan timeout, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = $"watch {resource}";
        var query = Query(
            ("watch", "1"),
            ("resourceVersion", resourceVersion),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            ("labelSelector", resource.LabelSelector));
        using var response = await transport.OpenStreamAsync(new KubernetesRequest(HttpMethod.Get, resource.CollectionPath + query, call), credentials, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var document = Parse(line, call);
                if (document.Type is not { } type || document.Object is not { } obj)
                {
                    throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, call, null, "a watch event without type or object");
                }

                yield return new WatchEvent(type, obj);
            }
        }
    }

    private static WatchedEvent Parse(string line, string call)
    {
        try
        {
            return JsonSerializer.Deserialize(line, WatchJsonContext.Default.WatchedEvent)
                ?? throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, call, null, "an empty watch event");
        }
        catch (JsonException)
        {
            // The parser's message can quote the line (Secret data), so it is not passed on.
            throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, call, null, "a watch event is not the expected JSON");
        }
    }

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            text.Append(text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return text.ToString();
    }
}
