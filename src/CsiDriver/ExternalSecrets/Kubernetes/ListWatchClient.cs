using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>A list response: its items and the collection's resourceVersion to watch from.</summary>
internal sealed record ObjectList(IReadOnlyList<JsonObject> Items, string ResourceVersion);

/// <summary>One watch event: <c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>, <c>BOOKMARK</c> or <c>ERROR</c> (then the object is a <c>Status</c>).</summary>
internal sealed record WatchEvent(string Type, JsonObject Object);

/// <summary>
/// Paged list and streamed watch of one collection over our transport. The watch is a long-lived GET whose
/// body is one JSON event per line; the server ends it after <c>timeoutSeconds</c>.
/// </summary>
internal sealed class ListWatchClient
{
    private const int PageSize = 500;

    private readonly KubernetesTransport _transport;
    private readonly IBearerTokenSource _credentials;

    public ListWatchClient(KubernetesTransport transport, IBearerTokenSource credentials)
    {
        _transport = transport;
        _credentials = credentials;
    }

    public async Task<ObjectList> ListAsync(WatchedResource resource, CancellationToken cancellationToken)
    {
        var call = $"list {resource}";
        var items = new List<JsonObject>();
        string? next = null;
        string resourceVersion;
        do
        {
            var query = Query(
                ("limit", PageSize.ToString(CultureInfo.InvariantCulture)),
                ("continue", next),
                ("labelSelector", resource.LabelSelector));
            var body = await _transport.SendAsync(new KubernetesRequest(HttpMethod.Get, resource.CollectionPath + query, call), _credentials, cancellationToken).ConfigureAwait(false);
            var list = ParseObject(body, call);
            resourceVersion = list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? string.Empty;
            next = list["metadata"]?["continue"]?.GetValue<string>() is { Length: > 0 } token ? token : null;
            if (list["items"] is JsonArray array)
            {
                items.AddRange(array.OfType<JsonObject>());
                array.Clear(); // Detaches the items from the list document.
            }
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
        using var response = await _transport.OpenStreamAsync(new KubernetesRequest(HttpMethod.Get, resource.CollectionPath + query, call), _credentials, cancellationToken).ConfigureAwait(false);
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

                var document = ParseObject(Encoding.UTF8.GetBytes(line), call);
                var type = document["type"]?.GetValue<string>();
                if (type is null || document["object"] is not JsonObject obj)
                {
                    throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, call, null, "a watch event without type or object");
                }

                document.Remove("object");
                yield return new WatchEvent(type, obj);
            }
        }
    }

    private static JsonObject ParseObject(byte[] body, string call)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject
                ?? throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, call, null, "the response is not a JSON object");
        }
        catch (JsonException)
        {
            // The parser's message can quote the body (Secret data), so it is not passed on.
            throw new KubernetesApiException(KubernetesErrorKind.BadResponse, null, call, null, "the response is not the expected JSON");
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
