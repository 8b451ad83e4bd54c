namespace CsiDriver.Http;

/// <summary>Backend bodies read as JSON without passing on a parser's message, which can quote the body (a secret or token).</summary>
internal static class BackendJson
{
    /// <summary>
    /// A success body as <typeparamref name="T"/>; the backend's own error from <paramref name="empty"/> for a JSON
    /// <c>null</c>, from <paramref name="invalid"/> for a body that is not that JSON.
    /// </summary>
    public static T Parse<T>(byte[] body, JsonTypeInfo<T> type, Func<Exception> empty, Func<Exception> invalid)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw empty();
        }
        catch (JsonException)
        {
            throw invalid();
        }
    }

    /// <summary>The body as <typeparamref name="T"/>, or null when it is empty or not that JSON (a proxy's HTML page, say).</summary>
    public static T? TryParse<T>(byte[] body, JsonTypeInfo<T> type)
        where T : class
    {
        // An empty body fails to parse like any other non-JSON one.
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
